// Idle streams and dead peers (RFC 6120 §4.6): whitespace keepalives on TCP, ping frames on WebSocket
// (RFC 7395 §3.8), c2s_read_timeout on silent authenticated streams, and a dropped connection ending
// its session through hooks.unbound. Short intervals keep the file fast.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { WsRawClient } from "../helpers/ws-client.ts";

let api: TestAuthApi;
/** Keepalives every 0.2 s, no read timeout. */
let chatty: TestServer;
/** No keepalives, a 0.5 s read timeout. */
let strict: TestServer;

before(async () => {
  api = await startAuthApi({ "alice@localhost": "wonderland" });
  const common = {
    certificate: TEST_CERT,
    key: TEST_KEY,
    http_ports: [0],
    consider_websocket_secure: true,
    hosts: { localhost: { authentication: "http", http_auth_url: api.url } },
  };
  chatty = await startServer({ ...common, c2s_keepalive_interval: 0.2, c2s_read_timeout: 0 });
  strict = await startServer({ ...common, c2s_keepalive_interval: 0, c2s_read_timeout: 0.5 });
});

after(async () => {
  await chatty.stop();
  await strict.stop();
  await api.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function tcpLogin(srv: TestServer, resource: string): Promise<RawClient> {
  const c = await RawClient.connect(srv.port);
  c.open();
  await c.waitFor("</stream:features>");
  await c.starttls();
  await c.login("alice", "wonderland", "localhost", resource);
  await c.waitFor("</iq>");
  return c;
}

async function waitUntil(cond: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(20);
  }
}

/** Full JIDs the unbound hook reported on this server from now on. */
function recordUnbound(srv: TestServer): string[] {
  const seen: string[] = [];
  srv.server.ctx.hooks.unbound.add((s) => seen.push(s.jid?.toString() ?? "?"));
  return seen;
}

test("an idle TCP stream gets one space per keepalive interval, and stays open", async () => {
  const c = await tcpLogin(chatty, "idle-tcp");
  const mark = c.received.length;
  await sleep(1100);
  const idle = c.received.slice(mark);
  assert.match(idle, /^ +$/, "only whitespace between stanzas");
  assert.ok(idle.length >= 3 && idle.length <= 7, `about one space per 0.2 s, got ${idle.length}`);
  assert.equal(c.closed, false);
  c.close();
});

test("an idle WebSocket stream gets ping frames and never whitespace", async () => {
  const ws = await WsRawClient.connect(`ws://127.0.0.1:${chatty.httpPort}/xmpp-websocket`);
  await ws.login("alice", "wonderland", "idle-ws");
  const mark = ws.messages.length;
  const pings = ws.pings;
  await sleep(1100);
  assert.deepEqual(ws.messages.slice(mark), [], "no message: whitespace is not a complete element");
  assert.ok(ws.pings - pings >= 3, `pings: ${ws.pings - pings}`);
  assert.equal(ws.closed, undefined);
  ws.close();
});

test("a silent authenticated client is closed with connection-timeout after c2s_read_timeout", async () => {
  const unbound = recordUnbound(strict);
  const c = await tcpLogin(strict, "silent");
  const start = Date.now();
  await c.waitFor(/<stream:error[^>]*><connection-timeout /, 3000);
  const waited = Date.now() - start;
  assert.ok(waited >= 400, `closed after ${waited} ms, before the 0.5 s timeout`);
  await c.waitFor("</stream:stream>");
  c.close();
  await waitUntil(() => unbound.includes("alice@localhost/silent"), "the unbound hook");
  assert.equal(strict.server.ctx.sessions.ofAccount("alice@localhost").length, 0);
});

test("a client that keeps sending (whitespace) is not timed out", async () => {
  const c = await tcpLogin(strict, "talkative");
  for (let i = 0; i < 8; i++) {
    c.write(" ");
    await sleep(150);
  }
  assert.equal(c.closed, false);
  assert.doesNotMatch(c.received, /connection-timeout/);
  c.close();
});

test("a silent authenticated WebSocket client is timed out too", async () => {
  const ws = await WsRawClient.connect(`ws://127.0.0.1:${strict.httpPort}/xmpp-websocket`);
  await ws.login("alice", "wonderland", "ws-silent");
  const error = await ws.waitFor("<stream:error", 3000);
  assert.match(error, /<connection-timeout /);
  ws.close();
});

test("a TCP connection dropped without a close ends its session: hooks.unbound fires", async () => {
  const unbound = recordUnbound(chatty);
  const c = await tcpLogin(chatty, "dropped");
  assert.equal(chatty.server.ctx.sessions.ofAccount("alice@localhost").length, 1);
  c.destroy();
  await waitUntil(() => unbound.includes("alice@localhost/dropped"), "the unbound hook");
  assert.equal(chatty.server.ctx.sessions.ofAccount("alice@localhost").length, 0);
});

test("a WebSocket connection dropped without a close ends its session too", async () => {
  const unbound = recordUnbound(chatty);
  const ws = await WsRawClient.connect(`ws://127.0.0.1:${chatty.httpPort}/xmpp-websocket`);
  await ws.login("alice", "wonderland", "ws-dropped");
  ws.terminate();
  await waitUntil(() => unbound.includes("alice@localhost/ws-dropped"), "the unbound hook");
  assert.equal(chatty.server.ctx.sessions.ofAccount("alice@localhost").length, 0);
});
