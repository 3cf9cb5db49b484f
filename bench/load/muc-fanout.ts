// MUC fan-out load: N raw-XMPP occupants (real connections, one login each) in one room, one of them
// sending groupchat messages with a window of W in flight ahead of the slowest occupant; counts the
// messages every occupant's socket reads. The same generator drives ours and Prosody's mod_muc.
import { login, type LoginTarget, type Session } from "./xmpp-login.ts";
import { StepError } from "./xml-reader.ts";

export interface FanoutTarget extends LoginTarget {
  /** The room's bare JID. */
  readonly room: string;
  credentials(i: number): { user: string; password: string };
}

export interface Room {
  readonly jid: string;
  readonly occupants: Session[];
  close(): Promise<void>;
}

const SELF_PRESENCE = /<presence\b[^>]*>(?:(?!<\/presence>)[\s\S])*?code=["']110["'][\s\S]*?<\/presence>/;
const IQ_END = /<iq[^>]*\/>|<\/iq>/;

async function inBatches<T>(n: number, batch: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += batch)
    out.push(...(await Promise.all(Array.from({ length: Math.min(batch, n - i) }, (_, k) => fn(i + k)))));
  return out;
}

/** Logs N clients in and has each enter the room (occupant 0 creates and configures it). */
export async function fillRoom(
  t: FanoutTarget,
  n: number,
  onProgress: (joined: number) => void,
): Promise<Room> {
  const occupants = await inBatches(n, 50, (i) => {
    const { user, password } = t.credentials(i);
    return login(t, user, password, `r${i}`);
  });
  const enter = async (s: Session, i: number) => {
    s.send(
      `<presence to='${t.room}/n${i}'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`,
    );
    await s.waitFor(SELF_PRESENCE, 60_000);
  };
  const owner = occupants[0];
  if (owner === undefined) throw new Error("no occupants");
  await enter(owner, 0);
  // XEP-0045 §10.1.2: an instant room (both servers lock a new room until it is configured).
  owner.send(
    `<iq type='set' id='cfg' to='${t.room}'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>`,
  );
  const r = await owner.waitFor(IQ_END, 30_000);
  if (!r.includes("type='result'") && !r.includes('type="result"'))
    throw new Error(`room configuration failed: ${r}`);
  let joined = 1;
  await inBatches(n - 1, 20, async (k) => {
    const s = occupants[k + 1]!;
    await enter(s, k + 1);
    onProgress(++joined);
  });
  return {
    jid: t.room,
    occupants,
    async close() {
      await Promise.allSettled(occupants.map((s) => s.close()));
    },
  };
}

export interface FanoutResult {
  readonly messages: number;
  /** Messages delivered to all occupants per second (each counted once per occupant). */
  readonly deliveriesPerS: number;
  readonly messagesPerS: number;
}

/** Occupant 0 sends for `durationMs` with at most `window` messages ahead of the slowest occupant. */
export async function fanout(room: Room, durationMs: number, window: number): Promise<FanoutResult> {
  const n = room.occupants.length;
  const counts = new Array<number>(n).fill(0);
  let stopped = false;
  const readers = room.occupants.map(async (s, i) => {
    while (!stopped) {
      try {
        await s.waitFor(/<body>f\d+<\/body>/, 500);
        counts[i] = (counts[i] ?? 0) + 1;
      } catch (err) {
        if (!(err instanceof StepError) || err.kind !== "timeout") return;
      }
    }
  });
  const sender = room.occupants[0]!;
  const slowest = () => counts.reduce((m, c) => Math.min(m, c), Number.POSITIVE_INFINITY);
  let sent = 0;
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  try {
    while (performance.now() < deadline) {
      while (sent - slowest() < window && performance.now() < deadline)
        sender.send(`<message type='groupchat' to='${room.jid}'><body>f${sent++}</body></message>`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const drainBy = performance.now() + 60_000;
    while (slowest() < sent) {
      if (performance.now() > drainBy)
        throw new Error(`lost messages: slowest occupant got ${slowest()} of ${sent}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const s = (performance.now() - t0) / 1000;
    return { messages: sent, deliveriesPerS: (sent * n) / s, messagesPerS: sent / s };
  } finally {
    stopped = true;
    await Promise.allSettled(readers);
  }
}
