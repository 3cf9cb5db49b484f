// Regression: a client that left while its password check waited on a slow API kept an API
// connection open for seconds: after the abort, undici put the aborted request back in its queue and
// opened a new connection for it, which then sat idle until the API closed it (nodejs/undici#5845).
// 50 impatient clients could hold 50 of `http_auth_max_connections`. Every transport must release
// the API request and its connection promptly (docs/http-auth-protocol.md promises it).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { WsRawClient } from "../helpers/ws-client.ts";
import { createHttpProvider } from "../../src/auth/http/provider.ts";
import { silentLogger } from "../../src/log.ts";

/** An API that never answers, and counts its open connections and the requests it got. */
interface HangingApi {
  readonly url: string;
  readonly open: Set<Socket>;
  connections: number;
  requests: number;
  close(): Promise<void>;
}

async function hangingApi(): Promise<HangingApi> {
  const api = { url: "", open: new Set<Socket>(), connections: 0, requests: 0, close: async () => {} };
  const server: Server = createServer(() => void api.requests++);
  server.on("connection", (s: Socket) => {
    api.connections++;
    api.open.add(s);
    s.on("close", () => api.open.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth`;
  api.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return api;
}

const CLIENTS = 5;
// The promise is 100 ms; the margin is for a loaded 2-core machine. Before the fix: 4–5 s.
const RELEASE_MS = 100;
const MARGIN_MS = 400;
let api: HangingApi;
let srv: TestServer;

before(async () => {
  api = await hangingApi();
  srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    https_ports: [0],
    hosts: {
      localhost: {
        http_auth_url: api.url,
        http_auth_timeout: 10,
        c2s_require_encryption: false,
        allow_unencrypted_plain_auth: true,
      },
    },
  });
});

after(async () => {
  await srv.stop();
  await api.close();
});

const AUTH = `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from("\0alice\0pw").toString("base64")}</auth>`;

interface Leaver {
  leave(): void;
}

async function tcpClient(mode: "plain" | "starttls" | "tls"): Promise<Leaver> {
  const c = await RawClient.connect(mode === "tls" ? srv.tlsPort : srv.port, { tls: mode === "tls" });
  c.open();
  await c.waitFor("</stream:features>");
  if (mode === "starttls") await c.starttls();
  c.write(AUTH);
  return { leave: () => c.destroy() };
}

async function wsClient(): Promise<Leaver> {
  const c = await WsRawClient.connect(`wss://127.0.0.1:${srv.httpsPort}/xmpp-websocket`);
  c.open();
  await c.waitFor("<stream:features");
  c.send(AUTH);
  return { leave: () => c.terminate() };
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** Logs CLIENTS in against the hanging API, drops them all, and returns how long the API held on. */
async function releaseMs(connect: () => Promise<Leaver>): Promise<number> {
  const requests = api.requests;
  const connections = api.connections;
  const clients = await Promise.all(Array.from({ length: CLIENTS }, connect));
  await until(() => api.requests - requests === CLIENTS, 5000, "the password checks to reach the API");
  const left = performance.now();
  for (const c of clients) c.leave();
  await until(() => api.open.size === 0, 5000, "the API connections to close");
  const ms = performance.now() - left;
  // No connection may come back for the abandoned requests.
  await sleep(300);
  assert.equal(api.open.size, 0, "a connection was opened again after the release");
  assert.equal(api.connections - connections, CLIENTS, "one connection per request, none more");
  return ms;
}

for (const [name, connect] of [
  ["plain TCP", () => tcpClient("plain")],
  ["STARTTLS", () => tcpClient("starttls")],
  ["direct TLS", () => tcpClient("tls")],
  ["WebSocket (wss)", wsClient],
] as const) {
  test(`${name}: a client leaving mid-login releases its API connection within ${RELEASE_MS} ms`, async (t) => {
    const ms = await releaseMs(connect);
    t.diagnostic(`released after ${ms.toFixed(1)} ms`);
    assert.ok(ms <= RELEASE_MS + MARGIN_MS, `released after ${Math.round(ms)} ms`);
  });
}

test("in process: aborting the calls closes their API connections and opens none", async (t) => {
  const p = createHttpProvider({
    url: api.url,
    host: "localhost",
    timeoutMs: 10_000,
    logger: silentLogger(),
  });
  try {
    const connections = api.connections;
    const calls = Array.from({ length: CLIENTS }, () => new AbortController());
    const results = calls.map((c) => p.checkPassword("alice", "pw", { signal: c.signal }));
    await until(() => api.open.size === CLIENTS, 5000, "the calls to reach the API");
    const aborted = performance.now();
    for (const c of calls) c.abort();
    for (const r of await Promise.all(results)) assert.equal(r.outcome, "backend-error");
    await until(() => api.open.size === 0, 5000, "the API connections to close");
    const ms = performance.now() - aborted;
    t.diagnostic(`released after ${ms.toFixed(1)} ms`);
    await sleep(300);
    assert.equal(api.open.size, 0, "a connection was opened again after the abort");
    assert.equal(api.connections - connections, CLIENTS);
    assert.ok(ms <= RELEASE_MS + MARGIN_MS, `released after ${Math.round(ms)} ms`);
  } finally {
    await p.close?.();
  }
});
