// Suite `sm`: what XEP-0198 stream management costs. Messages/s from one session to another's full
// JID, the receiver plain vs with stream management (answering every <r/> the server sends with its
// <a h/>), and the time from <resume/> to the last of 200 replayed messages. Ours only.
import { join } from "node:path";
import { login, type Session } from "../load/xmpp-login.ts";
import { startApi } from "../targets/api.ts";
import { startOurs } from "../targets/ours.ts";
import type { Target } from "../targets/target.ts";
import type { Suite, SuiteContext } from "./suite.ts";

const SM = "urn:xmpp:sm:3";
/** Messages sent and not yet received, at most: keeps the server's queues short, as real chat does. */
const WINDOW = 200;
const REPLAYED = 200;

/** Counts occurrences of `needle` in a stream of chunks (a match may straddle two). */
class Counter {
  count = 0;
  private carry = "";
  constructor(private readonly needle: string) {}
  feed(chunk: string): number {
    const text = this.carry + chunk;
    let n = 0;
    for (let i = text.indexOf(this.needle); i !== -1; i = text.indexOf(this.needle, i + 1)) n++;
    this.carry = text.slice(-(this.needle.length - 1));
    this.count += n;
    return n;
  }
}

/** `p`, or an error naming `what` after `ms` (a stalled stream must not hang the run). */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`sm bench: ${what} stalled`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function bound(t: Target, k: number, resource: string): Promise<Session> {
  const { user, password } = t.credentials(k, 0);
  return login(
    { port: t.port, domain: t.domain, starttls: false, stepTimeoutMs: 10_000 },
    user,
    password,
    resource,
  );
}

/** Messages/s delivered to a receiver during `ms`, with or without stream management. */
async function throughput(t: Target, ms: number, sm: boolean): Promise<number> {
  const sender = await bound(t, 0, `s${sm ? "m" : "p"}`);
  const receiver = await bound(t, 1, `r${sm ? "m" : "p"}`);
  try {
    if (sm) {
      receiver.send(`<enable xmlns='${SM}' resume='true'/>`);
      await receiver.waitFor(/<enabled /, 10_000);
    }
    const to = `${t.credentials(1, 0).user}@${t.domain}/r${sm ? "m" : "p"}`;
    const messages = new Counter("<message");
    const requests = new Counter(`<r xmlns="${SM}"`);
    let wake: (() => void) | undefined;
    receiver.socket.on("data", (d: Buffer | string) => {
      const s = d.toString();
      messages.feed(s);
      if (sm && requests.feed(s) > 0) receiver.send(`<a xmlns='${SM}' h='${messages.count}'/>`);
      wake?.();
    });
    const end = performance.now() + ms;
    let sent = 0;
    while (performance.now() < end) {
      while (sent - messages.count < WINDOW) {
        sender.send(`<message to='${to}' type='chat'><body>m${sent}</body></message>`);
        sent++;
      }
      await within(
        new Promise<void>((r) => (wake = r)),
        10_000,
        `delivery (${messages.count}/${sent}, sm ${sm})`,
      );
    }
    return messages.count / (ms / 1000);
  } finally {
    sender.destroy();
    receiver.destroy();
  }
}

/** Milliseconds from <resume/> to the last of REPLAYED messages kept while hibernating. */
async function resumeTime(t: Target): Promise<number> {
  const receiver = await bound(t, 2, "phone");
  receiver.send(`<enable xmlns='${SM}' resume='true'/>`);
  const enabled = await receiver.waitFor(/<enabled [^>]*>/, 10_000);
  const id = /id=["']([^"']+)["']/.exec(enabled)?.[1] ?? "";
  receiver.destroy();
  const sender = await bound(t, 0, "resumer");
  const who = t.credentials(2, 0);
  try {
    // The server notices the drop at once (a reset socket): what follows is kept for a resume.
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 0; i < REPLAYED; i++)
      sender.send(`<message to='${who.user}@${t.domain}/phone' type='chat'><body>k${i}</body></message>`);
    sender.send("<iq type='get' id='sync'><ping xmlns='urn:xmpp:ping'/></iq>");
    await sender.waitFor(/id=["']sync["']/, 10_000);
    const back = await login(
      { port: t.port, domain: t.domain, starttls: false, stepTimeoutMs: 10_000, bind: false },
      who.user,
      who.password,
      "",
    );
    try {
      const counter = new Counter("<message");
      const start = performance.now();
      const done = new Promise<void>((resolve) => {
        back.socket.on("data", (d: Buffer | string) => {
          if (counter.feed(d.toString()) > 0 && counter.count >= REPLAYED) resolve();
        });
      });
      back.send(`<resume xmlns='${SM}' previd='${id}' h='0'/>`);
      await within(done, 10_000, `replay (${counter.count}/${REPLAYED})`);
      return performance.now() - start;
    } finally {
      back.destroy();
    }
  } finally {
    sender.destroy();
  }
}

async function measure(ctx: SuiteContext, t: Target): Promise<void> {
  await throughput(t, 300, false); // warm-up
  await throughput(t, 300, true);
  const plain: number[] = [];
  const managed: number[] = [];
  for (let r = 0; r < ctx.rounds; r++) {
    ctx.progress.phase(`sm round ${r + 1}/${ctx.rounds}`);
    const p = await throughput(t, ctx.durationMs, false);
    const m = await throughput(t, ctx.durationMs, true);
    plain.push(p);
    managed.push(m);
    ctx.results.add("sm", "messages to a full JID", t.label, "plain", "msg/s", p);
    ctx.results.add("sm", "messages to a full JID", t.label, "stream management", "msg/s", m);
    ctx.results.add(
      "sm",
      `resume with ${REPLAYED} kept`,
      t.label,
      "resume to last replayed",
      "ms",
      await resumeTime(t),
    );
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  ctx.results.ratio(
    "sm",
    "messages to a full JID",
    "msg/s with SM ÷ plain",
    true,
    median(managed) / median(plain),
  );
}

export const smSuite: Suite = {
  name: "sm",
  summary: "XEP-0198: msg/s to a receiver with vs without stream management; resume with 200 replayed",
  async run(ctx) {
    const api = await startApi("api-sm");
    try {
      const t = await startOurs({
        repoRoot: ctx.repoRoot,
        runDir: join(ctx.runDir, "ours"),
        hosts: [{ domain: "http.test", apiUrl: api.url, extra: { max_offline_messages: 0 } }],
        starttls: false,
      });
      try {
        await measure(ctx, t);
      } finally {
        await t.stop();
      }
    } finally {
      await api.stop();
    }
  },
};
