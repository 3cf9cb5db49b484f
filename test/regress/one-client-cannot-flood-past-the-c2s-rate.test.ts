// One logged-in client writing as fast as its connection allows used to be read, parsed and routed
// as fast as the server could: it took the event loop from everyone else and, in a cluster, filled
// Redis. Now the `limits` c2s rate (Prosody's mod_limits) holds it: reading stops while it is over,
// nothing it sent is lost, other clients are served meanwhile, and unlimited_jids are exempt.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { ChatClient, xml } from "../helpers/chat-client.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { WsRawClient } from "../helpers/ws-client.ts";

const RATE = "100kb/s"; // 100,000 bytes a second
const BURST = 0.5; // seconds: a 50,000-byte bucket
const COUNT = 400;
const BODY = "x".repeat(900); // each message about 1,000 bytes: 400,000 in all, 8 times the bucket

let api: TestAuthApi;
let srv: TestServer;

before(async () => {
  api = await startAuthApi(
    Object.fromEntries(["alice", "bob", "carol", "dora", "bot"].map((u) => [`${u}@localhost`, `${u}-pw`])),
  );
  srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    limits: { c2s: { rate: RATE, burst: `${BURST}s` } },
    https_ports: [0],
    hosts: { localhost: { http_auth_url: api.url, unlimited_jids: ["bot@localhost"] } },
  });
});

after(async () => {
  await srv.stop();
  await api.close();
});

const held = () => Number(/^xha_c2s_input_held_total (\d+)$/m.exec(srv.server.metricsText())?.[1]);
const flood = (to: string, tag: string) =>
  Array.from(
    { length: COUNT },
    (_, i) => `<message to='${to}' type='chat' id='${tag}${i}'><body>${BODY}</body></message>`,
  ).join("");
const ids = (bob: ChatClient, tag: string) =>
  bob.received.filter((s) => s.name === "message" && s.attrs.id?.startsWith(tag)).map((s) => s.attrs.id);

const login = (user: string) => ChatClient.login(srv.port, user, `${user}-pw`);
/** Writes straight to the client's stream, all at once, as a flooding client would. */
function writeRaw(c: ChatClient, text: string): void {
  (c.xmpp as unknown as { write(s: string): Promise<void> }).write(text).catch(() => {});
}

async function waitUntil(cond: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("a flooding client is read at the rate: others are served meanwhile, and nothing is lost", async () => {
  const alice = await login("alice");
  const bob = await login("bob");
  const carol = await login("carol");
  try {
    const held0 = held();
    const started = Date.now();
    writeRaw(alice, flood(bob.jid, "a"));
    // Another client's round trip while the flood is held back.
    await new Promise((r) => setTimeout(r, 200));
    await carol.iq(xml("iq", { type: "get", to: "localhost" }, xml("ping", { xmlns: "urn:xmpp:ping" })));
    assert.ok(ids(bob, "a").length < COUNT, "carol was answered before the flood was through");
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() - started)));
    // In the first second: the bucket, a second of the rate and what one read had taken in already.
    const firstSecond = ids(bob, "a").length;
    assert.ok(firstSecond < 300, `at most about 170 of ${COUNT} in the first second, got ${firstSecond}`);
    await waitUntil(() => ids(bob, "a").length === COUNT, 20_000, "every message of the flood");
    const elapsed = Date.now() - started;
    // 400,000 bytes less the bucket and one read, at 100,000 a second: over 3 s.
    assert.ok(elapsed >= 2500, `the flood took ${elapsed} ms; at the rate it cannot take under 2.5 s`);
    assert.deepEqual(
      ids(bob, "a"),
      Array.from({ length: COUNT }, (_, i) => `a${i}`),
      "all of it, in order",
    );
    assert.ok(held() > held0, "xha_c2s_input_held_total counted the holds");
  } finally {
    await Promise.all([alice.stop(), bob.stop(), carol.stop()]);
  }
});

test("an account in unlimited_jids is never held", async () => {
  const bot = await login("bot");
  const bob = await login("bob");
  try {
    const held0 = held();
    writeRaw(bot, flood(bob.jid, "b"));
    await waitUntil(() => ids(bob, "b").length === COUNT, 20_000, "every message from the bot");
    assert.equal(held(), held0, "no hold for the bot's connection");
  } finally {
    await Promise.all([bot.stop(), bob.stop()]);
  }
});

test("over WebSocket too: one message a frame, held to the rate, all delivered in order", async () => {
  const bob = await login("bob");
  const ws = await WsRawClient.connect(`wss://localhost:${srv.httpsPort}/xmpp-websocket`);
  try {
    await ws.login("dora", "dora-pw", "ws");
    const held0 = held();
    const started = Date.now();
    for (let i = 0; i < COUNT; i++)
      ws.send(
        `<message xmlns='jabber:client' to='${bob.jid}' type='chat' id='w${i}'><body>${BODY}</body></message>`,
      );
    await waitUntil(() => ids(bob, "w").length === COUNT, 20_000, "every message sent over WebSocket");
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 2500, `the flood took ${elapsed} ms; at the rate it cannot take under 2.5 s`);
    assert.deepEqual(
      ids(bob, "w"),
      Array.from({ length: COUNT }, (_, i) => `w${i}`),
    );
    assert.ok(held() > held0);
  } finally {
    ws.terminate();
    await bob.stop();
  }
});
