// XEP-0050 §3.3: the sessions of multi-stage commands, per requester (full JID). Bounded: a few per
// requester (the oldest is dropped for a new one, so an abandoned one never locks anyone out), each
// for a limited time, and all of a session's go when it unbinds.
import { randomId } from "../../stream/random-id.ts";

/** Open command sessions per full JID. */
export const MAX_SESSIONS_PER_JID = 5;
/** How long a command session waits for its next stage. */
export const SESSION_TIMEOUT_MS = 10 * 60 * 1000;

export interface CommandSession {
  readonly id: string;
  readonly node: string;
  readonly expiresAt: number;
}

export type Lookup =
  | { readonly ok: true; readonly session: CommandSession }
  | { readonly ok: false; readonly reason: "bad-sessionid" | "session-expired" };

export class CommandSessions {
  private readonly byJid = new Map<string, Map<string, CommandSession>>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly timeoutMs = SESSION_TIMEOUT_MS,
  ) {}

  open(jid: string, node: string): CommandSession {
    let mine = this.byJid.get(jid);
    if (mine === undefined) this.byJid.set(jid, (mine = new Map<string, CommandSession>()));
    // Insertion order is age order: the first is the oldest.
    while (mine.size >= MAX_SESSIONS_PER_JID) mine.delete(mine.keys().next().value ?? "");
    const s = { id: randomId(), node, expiresAt: this.now() + this.timeoutMs };
    mine.set(s.id, s);
    return s;
  }

  /** The requester's session with this id; an expired one is reported once, then forgotten. */
  find(jid: string, id: string): Lookup {
    const s = this.byJid.get(jid)?.get(id);
    if (s === undefined) return { ok: false, reason: "bad-sessionid" };
    if (s.expiresAt <= this.now()) {
      this.close(jid, id);
      return { ok: false, reason: "session-expired" };
    }
    return { ok: true, session: s };
  }

  close(jid: string, id: string): void {
    const mine = this.byJid.get(jid);
    mine?.delete(id);
    if (mine?.size === 0) this.byJid.delete(jid);
  }

  /** The requester went away. */
  forget(jid: string): void {
    this.byJid.delete(jid);
  }

  /** Open sessions in all (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const m of this.byJid.values()) n += m.size;
    return n;
  }
}
