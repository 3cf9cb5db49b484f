// Behind a proxy: PROXY protocol v1/v2 headers written by the test over raw TCP and before TLS, and
// X-Forwarded-For over WebSocket, give the client's address to the login limits, the logs and
// /metrics access; untrusted peers and bad headers are dropped while others keep being served.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { RawClient, TEST_CA, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { WsRawClient } from "../helpers/ws-client.ts";
import { WebSocket } from "ws";
import { V2_SIGNATURE } from "../../src/transport/proxy-protocol.ts";

const HEADER =
  "<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
const plain = (u: string, p: string) => Buffer.from(`\0${u}\0${p}`).toString("base64");

async function withServer(
  options: Record<string, unknown>,
  body: (srv: TestServer, api: TestAuthApi) => Promise<void>,
  host: Record<string, unknown> = {},
): Promise<void> {
  const api = await startAuthApi({ "alice@localhost": "wonderland" });
  const srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    ...options,
    hosts: { localhost: { http_auth_url: api.url, ...host } },
  });
  try {
    await body(srv, api);
  } finally {
    await srv.stop();
    await api.close();
  }
}

const portOf = (srv: TestServer, kind: string) =>
  srv.server.listeners.find((l) => l.kind === kind)?.address.port ?? 0;

const v1 = (src: string) =>
  Buffer.from(
    `PROXY ${src.includes(":") ? "TCP6" : "TCP4"} ${src} ${src.includes(":") ? "::1" : "127.0.0.1"} 51000 5222\r\n`,
  );

function ipBytes(address: string): number[] {
  if (!address.includes(":")) return address.split(".").map(Number);
  // Tests spell IPv6 in full (eight groups).
  return address.split(":").flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 255]);
}

/** A v2 header: PROXY (or LOCAL) over TCP, with a TLV after the addresses as HAProxy may add. */
function v2(src: string | undefined, tlv = Buffer.from([0x04, 0x00, 0x03, 0x61, 0x62, 0x63])): Buffer {
  if (src === undefined) return Buffer.concat([V2_SIGNATURE, Buffer.from([0x20, 0x00, 0x00, 0x00])]);
  const v6 = src.includes(":");
  const dst = v6 ? ipBytes("0:0:0:0:0:0:0:1") : [127, 0, 0, 1];
  const body = Buffer.concat([Buffer.from([...ipBytes(src), ...dst, 0xc7, 0x38, 0x14, 0x66]), tlv]);
  const head = Buffer.from([0x21, v6 ? 0x21 : 0x11, body.length >> 8, body.length & 255]);
  return Buffer.concat([V2_SIGNATURE, head, body]);
}

async function saslOn(c: RawClient, password: string): Promise<string> {
  const mark = c.received.length;
  c.write(
    `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${plain("alice", password)}</auth>`,
  );
  const answer = await c.waitFor(/<success[^>]*\/>|<failure[\s\S]*?<\/failure>/, 10_000, mark);
  return answer.startsWith("<success") ? "success" : (/<failure[^>]*><([a-z-]+)/.exec(answer)?.[1] ?? answer);
}

test("PROXY v1 on a c2s port: the header's address is the client (limits, logs), through STARTTLS", async () => {
  await withServer({ proxy_port_mappings: { "0": "c2s" }, limit_auth_max: 1 }, async (srv) => {
    const port = portOf(srv, "proxy_c2s");
    const viaProxy = async (src: string, password: string) => {
      // The header and the stream header in one segment, as a proxy that read ahead sends them.
      const c = await RawClient.connect(port, { preamble: Buffer.concat([v1(src), Buffer.from(HEADER)]) });
      await c.waitFor("</stream:features>");
      await c.starttls();
      const outcome = await saslOn(c, password);
      c.destroy();
      return outcome;
    };
    assert.equal(await viaProxy("203.0.113.7", "nope"), "not-authorized");
    assert.equal(await viaProxy("203.0.113.7", "wonderland"), "temporary-auth-failure");
    assert.equal(await viaProxy("203.0.113.8", "wonderland"), "success");
    assert.ok(
      srv.logs.some((l) => l.includes('"remote":"203.0.113.7"') && l.includes("login limit reached")),
    );
    assert.ok(!srv.logs.some((l) => l.includes("login limit reached") && l.includes('"remote":"127.0.0.1"')));
  });
});

test("PROXY v2 (IPv6, TLVs, LOCAL) before a direct TLS handshake", async () => {
  await withServer({ proxy_port_mappings: { "0": "c2s_direct_tls" }, limit_auth_max: 1 }, async (srv) => {
    const port = portOf(srv, "proxy_c2s_direct_tls");
    const viaProxy = async (header: Buffer, password: string) => {
      const c = await RawClient.connect(port, { tls: true, preamble: header });
      c.open();
      await c.waitFor("</stream:features>");
      const outcome = await saslOn(c, password);
      c.destroy();
      return outcome;
    };
    assert.equal(await viaProxy(v2("2001:db8:0:0:0:0:0:7"), "nope"), "not-authorized");
    // Same /64, another address: the same client for the limit.
    assert.equal(await viaProxy(v2("2001:db8:0:0:ffff:0:0:9"), "wonderland"), "temporary-auth-failure");
    assert.equal(await viaProxy(v2("198.51.100.3", Buffer.alloc(0)), "wonderland"), "success");
    // LOCAL (a health check): the proxy's own address.
    assert.equal(await viaProxy(v2(undefined), "wonderland"), "success");
    assert.ok(srv.logs.some((l) => l.includes('"remote":"2001:db8::7"')));
    assert.ok(
      srv.logs.some((l) => l.includes('"remote":"198.51.100.3"') && l.includes('"msg":"authenticated"')),
    );
  });
});

test("untrusted peers and bad headers are dropped; a good connection is served meanwhile", async () => {
  const opts = { proxy_port_mappings: { "0": "c2s" }, proxy_trusted_proxies: ["127.0.0.2"] };
  await withServer(opts, async (srv) => {
    const port = portOf(srv, "proxy_c2s");
    const good = await RawClient.connect(port, {
      localAddress: "127.0.0.2",
      preamble: Buffer.concat([v1("192.0.2.50"), Buffer.from(HEADER)]),
    });
    await good.waitFor("</stream:features>");
    const dropped = async (preamble: Buffer, from = "127.0.0.2") => {
      const c = await RawClient.connect(port, { localAddress: from, preamble });
      await c.waitClosed();
      assert.equal(c.received, "", `answered ${JSON.stringify(preamble.toString("latin1"))}`);
    };
    await dropped(Buffer.concat([v1("192.0.2.1"), Buffer.from(HEADER)]), "127.0.0.1");
    await dropped(Buffer.from(HEADER));
    await dropped(Buffer.from("PROXY TCP4 192.0.2.1 127.0.0.1 99999 5222\r\n"));
    await dropped(Buffer.from("PROXY TCP4 ::1 127.0.0.1 1 5222\r\n"));
    await dropped(Buffer.from(`PROXY TCP4 ${"1".repeat(120)}`));
    await dropped(Buffer.concat([V2_SIGNATURE, Buffer.from([0x31, 0x11, 0x00, 0x0c]), Buffer.alloc(12)]));
    await dropped(Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, 0x11, 0xff, 0xff])]));
    // The good connection still works: its header was one of these, its stream goes on.
    good.write("<iq type='get' id='p1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>");
    await good.waitFor(/<iq[^>]*id="p1"|<stream:error/);
    good.destroy();
  });
});

async function rawHttp(port: number, preamble: Buffer, request: string): Promise<string> {
  const socket = connect({ port, host: "127.0.0.1" });
  let text = "";
  socket.on("data", (d: Buffer) => (text += d.toString("latin1")));
  await new Promise<void>((resolve, reject) => {
    socket.on("close", () => resolve());
    socket.on("error", reject);
    socket.write(Buffer.concat([preamble, Buffer.from(request)]));
  });
  return text;
}

test("PROXY on an HTTP port: /metrics sees the client's address, not the proxy's", async () => {
  await withServer({ proxy_port_mappings: { "0": "http" } }, async (srv) => {
    const port = portOf(srv, "proxy_http");
    const get = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    assert.match(await rawHttp(port, v1("203.0.113.7"), get), /^HTTP\/1\.1 404/);
    assert.match(await rawHttp(port, v2("127.0.0.1"), get), /^HTTP\/1\.1 200[\s\S]*xha_c2s_connections/);
    assert.match(
      await rawHttp(port, v1("203.0.113.7"), "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
      /^HTTP\/1\.1 200/,
    );
  });
});

test("X-Forwarded-For from a trusted proxy names the WebSocket client; from others it is ignored", async () => {
  const opts = {
    http_ports: [0],
    consider_websocket_secure: true,
    limit_auth_max: 1,
    trusted_proxies: ["127.0.0.1", "10.0.0.0/8"],
  };
  await withServer(opts, async (srv) => {
    const url = `ws://127.0.0.1:${srv.httpPort}/xmpp-websocket`;
    const login = async (headers: Record<string, string>, password: string) => {
      const c = await WsRawClient.connect(url, ["xmpp"], headers);
      try {
        await c.login("alice", password);
        return "success";
      } catch (err) {
        return /<failure[^>]*><([a-z-]+)/.exec((err as Error).message)?.[1] ?? (err as Error).message;
      } finally {
        c.terminate();
      }
    };
    assert.equal(await login({ "X-Forwarded-For": "198.51.100.4" }, "nope"), "not-authorized");
    // Through two trusted proxies: the first untrusted hop from the right is the client.
    const chained = { "X-Forwarded-For": "6.6.6.6, 198.51.100.4, 10.1.2.3" };
    assert.equal(await login(chained, "wonderland"), "temporary-auth-failure");
    assert.equal(await login({ "X-Forwarded-For": "198.51.100.5" }, "wonderland"), "success");
    assert.ok(
      srv.logs.some((l) => l.includes('"remote":"198.51.100.4"') && l.includes('"transport":"websocket"')),
    );
    // The header is a claim the client can make itself: from an untrusted peer it is ignored.
    const spoofed = await fetch(`http://127.0.0.1:${srv.httpPort}/metrics`, {
      headers: { "X-Forwarded-For": "203.0.113.1" },
    });
    assert.equal(spoofed.status, 404, "a forwarded public client is not a loopback reader");
  });
});

test("/metrics: address list, CIDR and bearer token", async () => {
  const token = "metrics-0123456789-abcdef";
  const opts = { http_ports: [0], openmetrics_allow_cidr: "198.51.100.0/24", openmetrics_token: token };
  await withServer(opts, async (srv) => {
    const url = `http://127.0.0.1:${srv.httpPort}/metrics`;
    const get = (headers: Record<string, string> = {}) => fetch(url, { headers });
    assert.equal((await get()).status, 200, "loopback is in openmetrics_allow_ips by default");
    assert.equal((await get({ "X-Forwarded-For": "198.51.100.20" })).status, 200);
    const outside = await get({ "X-Forwarded-For": "203.0.113.1" });
    assert.equal(outside.status, 401);
    assert.match(outside.headers.get("www-authenticate") ?? "", /^Bearer/);
    const withToken = { "X-Forwarded-For": "203.0.113.1", Authorization: `Bearer ${token}` };
    assert.equal((await get(withToken)).status, 200);
    assert.equal((await get({ ...withToken, Authorization: `Bearer ${token}x` })).status, 401);
    assert.equal((await get({ ...withToken, Authorization: `Basic ${token}` })).status, 401);
    assert.ok(!srv.logs.some((l) => l.includes(token)));
  });
});

test("the registration throttle counts the address the PROXY header names", async () => {
  const host = { allow_registration: true, registration_throttle_max: 1 };
  await withServer(
    { proxy_port_mappings: { "0": "c2s_direct_tls" } },
    async (srv) => {
      const port = portOf(srv, "proxy_c2s_direct_tls");
      const register = async (src: string, user: string) => {
        const c = await RawClient.connect(port, { tls: true, preamble: v1(src) });
        c.open();
        await c.waitFor("</stream:features>");
        c.write(
          `<iq type='set' id='r1'><query xmlns='jabber:iq:register'><username>${user}</username><password>secret-pw-1</password></query></iq>`,
        );
        const reply = await c.waitFor(/<iq[^>]*id="r1"[\s\S]*?(?:\/>|<\/iq>)/);
        c.destroy();
        return /type="error"/.test(reply)
          ? (/<([a-z-]+) xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/.exec(reply)?.[1] ?? reply)
          : "result";
      };
      assert.equal(await register("203.0.113.20", "u1"), "result");
      assert.equal(await register("203.0.113.20", "u2"), "resource-constraint");
      assert.equal(await register("203.0.113.21", "u3"), "result");
    },
    host,
  );
});

async function rawHttps(port: number, preamble: Buffer, request: string): Promise<string> {
  const plainSocket = connect({ port, host: "127.0.0.1" });
  await new Promise((r) => plainSocket.once("connect", r));
  plainSocket.write(preamble);
  const socket = tlsConnect({ socket: plainSocket, ca: TEST_CA, servername: "localhost" });
  let text = "";
  socket.on("data", (d: Buffer) => (text += d.toString("latin1")));
  await new Promise<void>((resolve, reject) => {
    socket.on("close", () => resolve());
    socket.on("error", reject);
    socket.once("secureConnect", () => socket.write(request));
  });
  return text;
}

test("PROXY on an HTTPS port: TLS after the header, and /metrics sees the client's address", async () => {
  await withServer({ proxy_port_mappings: { "0": "https" } }, async (srv) => {
    const port = portOf(srv, "proxy_https");
    const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;
    assert.match(await rawHttps(port, v1("203.0.113.7"), get("/metrics")), /^HTTP\/1\.1 404/);
    assert.match(
      await rawHttps(port, v2("127.0.0.1"), get("/metrics")),
      /^HTTP\/1\.1 200[\s\S]*xha_c2s_connections/,
    );
    assert.match(await rawHttps(port, v1("203.0.113.7"), get("/healthz")), /^HTTP\/1\.1 200/);
    // XMPP over WebSocket through it: the session's address is the header's, and it counts as secure.
    const ws = new WebSocket(`wss://localhost:${port}/xmpp-websocket`, ["xmpp"], {
      createConnection: () => {
        const raw = connect({ port, host: "127.0.0.1" });
        raw.write(v1("203.0.113.44"));
        return tlsConnect({ socket: raw, ca: TEST_CA, servername: "localhost" });
      },
    });
    const messages: string[] = [];
    ws.on("message", (d: Buffer) => messages.push(d.toString()));
    await new Promise((r, j) => ws.once("open", r).once("error", j));
    ws.send("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>");
    ws.send(
      `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${plain("alice", "wonderland")}</auth>`,
    );
    const deadline = Date.now() + 5000;
    while (!messages.some((m) => m.startsWith("<success")) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    ws.terminate();
    assert.ok(
      messages.some((m) => m.startsWith("<success")),
      messages.join(" | "),
    );
    assert.ok(
      srv.logs.some((l) => l.includes('"remote":"203.0.113.44"') && l.includes('"transport":"websocket"')),
    );
  });
});
