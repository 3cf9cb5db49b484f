// XEP-0198 with a real client library: @xmpp/client enables stream management after binding, and
// when its connection drops it reconnects and resumes, over TCP (STARTTLS) and WebSocket; a message
// sent to it while it was away arrives after the resume, on the same full JID.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { client, xml, type Client, type XmlElement } from "@xmpp/client";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { ChatClient } from "../helpers/chat-client.ts";
import { WebSocket } from "ws";

// @xmpp/websocket uses the WHATWG WebSocket, global from Node 22 on; `ws` provides it on Node 20.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const USERS = { "alice@localhost": "alice-pw", "bob@localhost": "bob-pw" };

let api: TestAuthApi;
let server: TestServer;
/** SASL2 with Bind2: @xmpp/client enables inline and resumes inside <authenticate/> (XEP-0388). */
let sasl2Server: TestServer;
const clients: Client[] = [];

before(async () => {
  api = await startAuthApi(USERS);
  server = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    https_ports: [0],
    hosts: { localhost: { http_auth_url: api.url, smacks_hibernation_time: 60 } },
  });
  sasl2Server = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    hosts: { localhost: { http_auth_url: api.url, smacks_hibernation_time: 60, c2s_sasl2: true } },
  });
});
after(async () => {
  for (const c of clients) await c.stop().catch(() => {});
  await server.stop();
  await sasl2Server.stop();
  await api.close();
});

function once(c: Client, event: string, match: (x: XmlElement) => boolean = () => true): Promise<XmlElement> {
  return new Promise((resolve) => {
    const fn = (x: XmlElement) => {
      if (!match(x)) return;
      c.removeListener(event, fn);
      resolve(x);
    };
    c.on(event, fn);
  });
}

/** Destroys the client's socket, as a lost network would. */
function dropSocket(c: Client): void {
  type Wrapped = { destroy?: () => void; terminate?: () => void; socket?: Wrapped };
  let s = (c as unknown as { socket?: Wrapped }).socket;
  while (s !== undefined && typeof s.destroy !== "function" && typeof s.terminate !== "function")
    s = s.socket;
  if (s?.terminate !== undefined) s.terminate();
  else if (s?.destroy !== undefined) s.destroy();
  else throw new Error("no socket to destroy");
}

/** Returns every top-level element the client received. */
async function scenario(service: string, resource: string, srv = server): Promise<XmlElement[]> {
  const alice = client({ service, domain: "localhost", username: "alice", password: "alice-pw", resource });
  const received: XmlElement[] = [];
  alice.on("element", (e: XmlElement) => received.push(e));
  clients.push(alice);
  alice.on("error", () => {});
  await alice.start();
  const sm = alice.streamManagement;
  const deadline = Date.now() + 5000;
  while (!sm.enabled && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.ok(sm.enabled && sm.id !== "", "stream management enabled with resumption");
  const jid = String(alice.jid);
  const resumed = new Promise<void>((resolve) => sm.on("resumed", resolve));
  dropSocket(alice);
  const bob = await ChatClient.login(srv.port, "bob", "bob-pw");
  const body = `while away ${resource}`;
  const got = once(alice, "stanza", (s) => s.name === "message" && s.getChildText("body") === body);
  await bob.send(xml("message", { to: jid, type: "chat" }, xml("body", {}, body)));
  await resumed;
  await got;
  assert.equal(String(alice.jid), jid);
  await bob.stop();
  return received;
}

test("@xmpp/client resumes over TCP and gets what was sent meanwhile", async () => {
  await scenario(`xmpp://127.0.0.1:${server.port}`, "tcp");
});

test("@xmpp/client resumes over WebSocket and gets what was sent meanwhile", async () => {
  await scenario(`wss://localhost:${server.httpsPort}/xmpp-websocket`, "ws");
});

test("@xmpp/client over SASL2 resumes inline: <resume/> in <authenticate/>, <resumed/> in <success/>", async () => {
  const received = await scenario(`xmpp://127.0.0.1:${sasl2Server.port}`, "inline", sasl2Server);
  const successes = received.filter((e) => e.name === "success" && e.attrs.xmlns === "urn:xmpp:sasl:2");
  // The login, then the reconnect that authenticated and resumed in one round trip.
  assert.equal(successes.length, 2, successes.map(String).join("\n"));
  assert.ok(successes[1]?.getChild("resumed", "urn:xmpp:sm:3") !== undefined, String(successes[1]));
  assert.ok(!received.some((e) => e.name === "resumed"), "no classic <resume/> after a restart");
});
