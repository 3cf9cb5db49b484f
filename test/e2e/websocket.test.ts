// End to end over WebSocket (RFC 7395): @xmpp/client logs in over ws:// and wss://, talks to a TCP
// client of the same account, and raw frames that break the framing get precise stream errors.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { WebSocket } from "ws";
import { client, xml, type Client, type XmlElement } from "@xmpp/client";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { NS_FRAMING, WsRawClient } from "../helpers/ws-client.ts";

// @xmpp/websocket uses the WHATWG global, which Node 20 has only behind a flag; ws implements it.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

let api: TestAuthApi;
/** Plain ws declared secure (as behind a TLS-terminating proxy), and HTTPS. */
let proxied: TestServer;
/** Plain ws not declared secure: passwords must not be accepted there. */
let plain: TestServer;

const hosts = (url: string) => ({
  localhost: { authentication: "http", http_auth_url: url, http_auth_credentials: "xmpp:s3cret" },
});

before(async () => {
  api = await startAuthApi({ "alice@localhost": "wonderland", "bob@localhost": "builder" });
  const common = { certificate: TEST_CERT, key: TEST_KEY, hosts: hosts(api.url) };
  proxied = await startServer({
    ...common,
    http_ports: [0],
    https_ports: [0],
    consider_websocket_secure: true,
    c2s_stanza_size_limit: 16_384,
  });
  plain = await startServer({ ...common, http_ports: [0], https_ports: [0] });
});

after(async () => {
  await proxied.stop();
  await plain.stop();
  await api.close();
});

const wsUrl = (srv: TestServer) => `ws://127.0.0.1:${srv.httpPort}/xmpp-websocket`;

async function login(
  service: string,
  username: string,
  password: string,
  resource?: string,
): Promise<Client> {
  const xmpp = client({ service, domain: "localhost", username, password, resource });
  xmpp.on("error", () => {});
  await xmpp.start();
  return xmpp;
}

async function ping(xmpp: Client): Promise<void> {
  const pong = await xmpp.iqCaller.get(xml("ping", { xmlns: "urn:xmpp:ping" }), "localhost", 3000);
  assert.equal(pong, undefined); // XEP-0199 §4.2: an empty result
}

function nextMessage(xmpp: Client): Promise<XmlElement> {
  return new Promise((resolve) => {
    const onStanza = (stanza: XmlElement) => {
      if (!stanza.is("message")) return;
      xmpp.off("stanza", onStanza);
      resolve(stanza);
    };
    xmpp.on("stanza", onStanza);
  });
}

test("@xmpp/client logs in over ws:// when the operator declared it secure, and pings", async () => {
  const xmpp = await login(wsUrl(proxied), "alice", "wonderland");
  assert.match(String(xmpp.jid), /^alice@localhost\/.+/);
  await ping(xmpp);
  await xmpp.stop();
  assert.ok(
    proxied.logs.some((l) => l.includes("consider_websocket_secure")),
    "the insecure opt-in is logged",
  );
  assert.ok(!plain.logs.some((l) => l.includes("consider_websocket_secure")));
});

test("@xmpp/client logs in over wss:// on the HTTPS port with the server's certificate", async () => {
  const xmpp = await login(`wss://127.0.0.1:${plain.httpsPort}/xmpp-websocket`, "alice", "wonderland");
  assert.match(String(xmpp.jid), /^alice@localhost\//);
  await ping(xmpp);
  await xmpp.stop();
});

test("plain ws:// not declared secure offers neither PLAIN nor STARTTLS, and refuses <auth/>", async () => {
  const ws = await WsRawClient.connect(wsUrl(plain));
  ws.open();
  const open = await ws.waitFor("<open");
  assert.match(
    open,
    /^<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" from="localhost" id="[^"]+" version="1.0" xml:lang="en"\/>$/,
  );
  const features = await ws.waitFor("<stream:features");
  assert.match(features, /xmlns:stream="http:\/\/etherx.jabber.org\/streams"/);
  assert.doesNotMatch(features, /PLAIN|starttls/);
  const asked = api.requests.length;
  const plainAuth = Buffer.from("\0alice\0wonderland").toString("base64");
  ws.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${plainAuth}</auth>`);
  await ws.waitFor(/<failure[^>]*><encryption-required\/>/);
  assert.equal(api.requests.length, asked, "the password never reached the auth API");
  ws.close();
});

test("a TCP client and a WebSocket client of the same account exchange messages", async () => {
  const tcp = await login(`xmpp://127.0.0.1:${proxied.port}`, "bob", "builder", "desk");
  const web = await login(wsUrl(proxied), "bob", "builder", "browser");
  try {
    const toWeb = nextMessage(web);
    await tcp.send(
      xml("message", { to: "bob@localhost/browser", type: "chat" }, xml("body", {}, "from the desk")),
    );
    const got = await toWeb;
    assert.equal(got.attrs.from, "bob@localhost/desk");
    assert.equal(got.getChildText("body"), "from the desk");

    const toTcp = nextMessage(tcp);
    await web.send(
      xml("message", { to: "bob@localhost/desk", type: "chat" }, xml("body", {}, "from the browser")),
    );
    const back = await toTcp;
    assert.equal(back.attrs.from, "bob@localhost/browser");
    assert.equal(back.getChildText("body"), "from the browser");
  } finally {
    await tcp.stop();
    await web.stop();
  }
});

/** Each frame that breaks RFC 7395's framing, and the stream error it must get. */
const MALFORMED: [string, (ws: WsRawClient) => void, string, number][] = [
  [
    "a binary frame",
    (ws) => ws.send(Buffer.from("<presence/>"), { binary: true }),
    "unsupported-encoding",
    1003,
  ],
  [
    "invalid UTF-8",
    (ws) => ws.send(Buffer.from([0x3c, 0x61, 0xff, 0xfe, 0x2f, 0x3e])),
    "not-well-formed",
    1007,
  ],
  ["two elements in one message", (ws) => ws.send("<presence/><presence/>"), "not-well-formed", 1000],
  ["text and no element", (ws) => ws.send("hello"), "not-well-formed", 1000],
  [
    "a stanza inside <close/>",
    (ws) =>
      ws.send(`<close xmlns='${NS_FRAMING}'><message to='bob@localhost'><body>x</body></message></close>`),
    "invalid-xml",
    1000,
  ],
  [
    "a message just over the 16 KiB limit",
    (ws) => ws.send(`<message><body>${"a".repeat(16_500)}</body></message>`),
    "policy-violation",
    1000,
  ],
  [
    "a 10 MB message",
    (ws) => ws.send(`<message><body>${"a".repeat(10_000_000)}</body></message>`),
    "policy-violation",
    1009,
  ],
];

test("malformed frames get the precise stream error, then <close/>, while another session keeps working", async () => {
  const healthy = await login(wsUrl(proxied), "alice", "wonderland", "healthy");
  try {
    for (const [what, sendBad, condition, wsCode] of MALFORMED) {
      const ws = await WsRawClient.connect(wsUrl(proxied));
      const jid = await ws.login("alice", "wonderland", `bad-${condition}`);
      assert.match(jid, /^alice@localhost\/bad-/, what);
      const mark = ws.messages.length;
      sendBad(ws);
      const error = await ws.waitFor("<stream:error", 5000, mark);
      assert.match(
        error,
        new RegExp(
          `^<stream:error xmlns:stream="http://etherx.jabber.org/streams"><${condition} xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>`,
        ),
        what,
      );
      const errorAt = ws.messages.indexOf(error);
      await ws.waitFor("<close", 5000, errorAt + 1);
      // RFC 7395 §3.5: the error is a message of its own, and <close/> comes right after it.
      assert.equal(ws.messages[errorAt + 1], `<close xmlns="${NS_FRAMING}"/>`, what);
      ws.send(`<close xmlns='${NS_FRAMING}'/>`);
      const closed = await ws.waitClosed();
      assert.equal(closed.code, wsCode, what);
      await ping(healthy);
    }
    // The bad sessions are gone from the registry; the healthy one is still there.
    await waitFor(() => proxied.server.ctx.sessions.ofAccount("alice@localhost").length === 1);
  } finally {
    await healthy.stop();
  }
});

test("a stanza before <open/> is refused", async () => {
  const ws = await WsRawClient.connect(wsUrl(proxied));
  ws.send("<presence/>");
  const error = await ws.waitFor("<stream:error");
  assert.match(error, /<not-well-formed /);
  ws.close();
});

test("a handshake without the xmpp subprotocol is refused with a clear HTTP error", async () => {
  const ws = new WebSocket(wsUrl(proxied), ["chat"]);
  const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    ws.on("unexpected-response", (_req, r) => {
      let body = "";
      r.on("data", (d: Buffer) => (body += d.toString()));
      r.on("end", () => resolve({ status: r.statusCode ?? 0, body }));
    });
    ws.on("open", () => reject(new Error("the handshake succeeded")));
    ws.on("error", () => {});
  });
  assert.equal(res.status, 400);
  assert.match(res.body, /subprotocol "xmpp"/);
});

async function get(port: number, path: string): Promise<{ status: number; body: string; upgrade?: string }> {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, path }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, upgrade: res.headers.upgrade }));
    })
      .on("error", reject)
      .end();
  });
}

test("HTTP: /healthz answers ok, the endpoint wants an upgrade, and everything else is 404", async () => {
  assert.deepEqual(await get(proxied.httpPort, "/healthz"), {
    status: 200,
    body: "ok\n",
    upgrade: undefined,
  });
  const endpoint = await get(proxied.httpPort, "/xmpp-websocket");
  assert.equal(endpoint.status, 426);
  assert.equal(endpoint.upgrade, "websocket");
  assert.equal((await get(proxied.httpPort, "/")).status, 404);
  assert.equal((await get(proxied.httpPort, "/xmpp-websocket/../etc/passwd")).status, 404);
  const other = new WebSocket(`ws://127.0.0.1:${proxied.httpPort}/other`, ["xmpp"]);
  const status = await new Promise<number>((resolve) => {
    other.on("unexpected-response", (_req, r) => resolve(r.statusCode ?? 0));
    other.on("open", () => resolve(101));
    other.on("error", () => {});
  });
  assert.equal(status, 404);
  const https = await fetch(`https://127.0.0.1:${plain.httpsPort}/healthz`);
  assert.equal(https.status, 200);
  assert.equal(await https.text(), "ok\n");
});

async function waitFor(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
