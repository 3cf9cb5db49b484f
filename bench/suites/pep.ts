// Suite `pep`: XEP-0163 publishing with caps-filtered fan-out. One publisher and CONTACTS contacts
// (each subscribed to it, online with caps announcing mood+notify, raw sockets): the latency from a
// publish to the moment every contact has read its notification, one publish at a time (p50, p99),
// and publishes/s (notifications/s) with a window of publishes in flight. SQLite, default limits.
import { createHash } from "node:crypto";
import type { Socket } from "node:net";
import { startApi } from "../targets/api.ts";
import { startOurs } from "../targets/ours.ts";
import { login, type LoginTarget, type Session } from "../load/xmpp-login.ts";
import { percentile } from "../lib/stats.ts";
import type { Suite, SuiteContext } from "./suite.ts";

const DOMAIN = "pep.test";
const CONTACTS = 50;
const WINDOW = 16;
const MOOD = "http://jabber.org/protocol/mood";
const DISCO = "http://jabber.org/protocol/disco#info";
const FEATURES = [DISCO, `${MOOD}+notify`];
const VER = createHash("sha1")
  .update(
    "client/pc//bench<" +
      [...FEATURES]
        .sort()
        .map((f) => `${f}<`)
        .join(""),
  )
  .digest("base64");
const ITEM = /<item id="p(\d+)"/g;

const caps = `<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='bench' ver='${VER}'/>`;
const discoAnswer = (id: string, node: string) =>
  `<iq type='result' id='${id}' to='${DOMAIN}'><query xmlns='${DISCO}' node='${node}'>` +
  `<identity category='client' type='pc' name='bench'/>` +
  FEATURES.map((f) => `<feature var='${f}'/>`).join("") +
  "</query></iq>";

/** Goes online with caps, answering the server's disco#info if it asks (the first client only). */
async function online(s: Session, first: boolean): Promise<void> {
  s.send(`<presence>${caps}</presence>`);
  if (first) {
    const q = await s.waitFor(/<iq[^>]*type="get"[^>]*>[\s\S]*?<\/iq>/, 10_000);
    const id = /id="([^"]+)"/.exec(q)?.[1] ?? "";
    const node = /node="([^"]+)"/.exec(q)?.[1] ?? "";
    s.send(discoAnswer(id, node));
  }
  s.send("<iq type='get' id='ready'><ping xmlns='urn:xmpp:ping'/></iq>");
  await s.waitFor(/id="ready"/, 10_000);
}

/** Counts, per publish number, how many contacts have read its notification. */
function watch(sockets: Socket[], onItem: (n: number) => void): () => void {
  const offs = sockets.map((socket) => {
    let tail = "";
    const onData = (d: Buffer | string) => {
      tail += d.toString();
      let last = 0;
      for (const m of tail.matchAll(ITEM)) {
        onItem(Number(m[1]));
        last = (m.index ?? 0) + m[0].length;
      }
      tail = tail.slice(Math.max(last, tail.length - 64));
    };
    socket.on("data", onData);
    return () => socket.off("data", onData);
  });
  return () => offs.forEach((off) => off());
}

const publish = (n: number) =>
  `<iq type='set' id='pub${n}'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='${MOOD}'>` +
  `<item id='p${n}'><mood xmlns='${MOOD}'><happy/><text>${n}</text></mood></item></publish></pubsub></iq>`;

async function measure(ctx: SuiteContext, pub: Session, contacts: Session[]) {
  const got = new Map<number, number>();
  const waiters = new Map<number, () => void>();
  const stop = watch(
    contacts.map((c) => c.socket),
    (n) => {
      const c = (got.get(n) ?? 0) + 1;
      got.set(n, c);
      if (c === contacts.length) waiters.get(n)?.();
    },
  );
  const delivered = (n: number) =>
    new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`publish ${n} not delivered to every contact`)), 30_000);
      waiters.set(n, () => {
        clearTimeout(t);
        resolve();
      });
    });
  let seq = 0;
  try {
    const latencies: number[] = [];
    const end = performance.now() + ctx.durationMs / 2;
    while (performance.now() < end) {
      const n = ++seq;
      const t0 = performance.now();
      const done = delivered(n);
      pub.send(publish(n));
      await done;
      latencies.push(performance.now() - t0);
    }
    latencies.sort((a, b) => a - b);
    let count = 0;
    const t0 = performance.now();
    const until = t0 + ctx.durationMs / 2;
    const lane = async () => {
      while (performance.now() < until) {
        const n = ++seq;
        const done = delivered(n);
        pub.send(publish(n));
        await done;
        count++;
      }
    };
    await Promise.all(Array.from({ length: WINDOW }, lane));
    const perS = count / ((performance.now() - t0) / 1000);
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), perS };
  } finally {
    stop();
  }
}

export const pepSuite: Suite = {
  name: "pep",
  summary: `XEP-0163 publish → notification at ${CONTACTS} contacts with caps: latency, publishes/s`,
  async run(ctx) {
    const api = await startApi("api-pep");
    const target = await startOurs({
      repoRoot: ctx.repoRoot,
      runDir: ctx.runDir,
      hosts: [{ domain: DOMAIN, apiUrl: api.url }],
      starttls: false,
    });
    const t: LoginTarget = { port: target.port, domain: DOMAIN, starttls: false, stepTimeoutMs: 10_000 };
    const sessions: Session[] = [];
    try {
      ctx.progress.phase(`pep: ${CONTACTS} contacts subscribe`);
      const pub = await login(t, "pub", "secret", "r");
      sessions.push(pub);
      await online(pub, true);
      const contacts: Session[] = [];
      for (let i = 0; i < CONTACTS; i++) {
        const c = await login(t, `c${i}`, "secret", "r");
        sessions.push(c);
        contacts.push(c);
        c.send(`<presence to='pub@${DOMAIN}' type='subscribe'/>`);
        await pub.waitFor(
          new RegExp(`from="c${i}@${DOMAIN}" type="subscribe"|type="subscribe" from="c${i}@`),
          10_000,
        );
        pub.send(`<presence to='c${i}@${DOMAIN}' type='subscribed'/>`);
        await online(c, false);
      }
      // The publisher's approvals are processed in order: its ping answered means all are done.
      pub.send("<iq type='get' id='approved'><ping xmlns='urn:xmpp:ping'/></iq>");
      await pub.waitFor(/id="approved"/, 10_000);
      for (let r = 0; r < ctx.rounds; r++) {
        ctx.progress.phase(`pep round ${r + 1}/${ctx.rounds}`);
        const m = await measure(ctx, pub, contacts);
        const kase = `${CONTACTS} contacts, mood+notify`;
        ctx.results.add("pep", kase, "ours", "publish → all notified p50", "ms", m.p50);
        ctx.results.add("pep", kase, "ours", "publish → all notified p99", "ms", m.p99);
        ctx.results.add("pep", kase, "ours", `publishes/s (${WINDOW} in flight)`, "pub/s", m.perS);
        ctx.results.add("pep", kase, "ours", "notifications/s", "msg/s", m.perS * CONTACTS);
      }
    } finally {
      for (const s of sessions) s.destroy();
      await target.stop();
      await api.stop();
    }
  },
};
