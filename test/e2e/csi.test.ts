// End to end: XEP-0352 Client State Indication. The <csi/> feature after authentication; while a
// client is inactive, presence (coalesced per full JID) and chat states wait, a message with a body
// comes at once after what waited, and <active/> delivers the rest in order.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { ChatClient, xml, type XmlElement } from "../helpers/chat-client.ts";
import { HeldStanzas } from "../../src/modules/csi/held-stanzas.ts";

const CSI = "urn:xmpp:csi:0";
let api: TestAuthApi;
let server: TestServer;
const clients: ChatClient[] = [];

before(async () => {
  api = await startAuthApi({ "alice@localhost": "alice-pw", "bob@localhost": "bob-pw" });
  server = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    hosts: { localhost: { http_auth_url: api.url } },
  });
});
after(async () => {
  for (const c of clients) await c.stop();
  await server.stop();
  await api.close();
});

const login = async (user: string, resource: string) => {
  const c = await ChatClient.login(server.port, user, `${user}-pw`, resource);
  clients.push(c);
  return c;
};
const ping = (c: ChatClient) =>
  c.iq(xml("iq", { type: "get", to: "localhost" }, xml("ping", { xmlns: "urn:xmpp:ping" })));
/** What alice's server-side session holds back now (its gate is a HeldStanzas while inactive). */
const held = (jid: string): number => {
  const [bare = "", resource = ""] = jid.split("/");
  const gate = server.server.ctx.sessions.get(bare, resource)?.local?.gate;
  return gate instanceof HeldStanzas ? gate.size : -1;
};
const label = (s: XmlElement) =>
  `${s.name}:${s.getChildText("status") ?? s.getChildText("body") ?? (s.name === "iq" ? "iq" : "")}`;

test("the csi stream feature is offered after authentication only", async () => {
  const c = await RawClient.connect(server.tlsPort, { tls: true });
  c.open();
  const before = await c.waitFor("</stream:features>");
  assert.ok(!before.includes(CSI));
  await c.login("alice", "alice-pw", "localhost", "feature");
  // login() cleared what came before the restart: this is the post-auth features.
  assert.match(c.received, new RegExp(`<csi xmlns=['"]${CSI}['"]/>`));
  c.close();
});

test("inactive: presence coalesced and chat states held; a body comes at once after them; active flushes", async () => {
  const alice = await login("alice", "phone");
  const bob = await login("bob", "desk");
  await alice.send(xml("inactive", { xmlns: CSI }));
  await ping(alice); // processed in order: the session is inactive once this is answered
  const mark = alice.received.length;
  const presence = (status: string) => xml("presence", { to: alice.jid }, xml("status", {}, status));
  await bob.send(presence("one"));
  await bob.send(presence("two"));
  await bob.send(
    xml(
      "message",
      { to: alice.jid, type: "chat" },
      xml("composing", { xmlns: "http://jabber.org/protocol/chatstates" }),
    ),
  );
  await ping(bob); // bob's stanzas were all routed before this answer
  assert.equal(held(alice.jid), 2);
  await bob.send(xml("message", { to: alice.jid, type: "chat" }, xml("body", {}, "wake up")));
  await alice.waitFor((s) => s.getChildText("body") === "wake up", "the message", 3000, mark);
  const got = alice.received.slice(mark).map(label);
  assert.deepEqual(got, ["presence:two", "message:", "message:wake up"]);
  assert.equal(held(alice.jid), 0);

  await bob.send(presence("three"));
  await ping(bob);
  assert.equal(held(alice.jid), 1);
  const mark2 = alice.received.length;
  await alice.send(xml("active", { xmlns: CSI }));
  await alice.waitFor((s) => s.getChildText("status") === "three", "held presence", 3000, mark2);
  assert.equal(held(alice.jid), -1);
  // Active again: presence comes at once.
  await bob.send(presence("four"));
  await alice.waitFor((s) => s.getChildText("status") === "four", "live presence", 3000, mark2);
});

test("an IQ to an inactive client is delivered at once, after what was held", async () => {
  const alice = await login("alice", "tablet");
  const bob = await login("bob", "laptop");
  await alice.send(xml("inactive", { xmlns: CSI }));
  await ping(alice);
  const mark = alice.received.length;
  await bob.send(xml("presence", { to: alice.jid }, xml("status", {}, "held")));
  // An IQ to alice's full JID goes to her client (RFC 6121 §8.5.3); @xmpp/client answers pings.
  const r = await bob.iq(xml("iq", { type: "get", to: alice.jid }, xml("ping", { xmlns: "urn:xmpp:ping" })));
  assert.equal(r.attrs.type, "result");
  const got = alice.received.slice(mark).map(label);
  assert.deepEqual(got, ["presence:held", "iq:iq"]);
});

test("what was held is written before the server's closing tag when the client ends the stream", async () => {
  const raw = await RawClient.connect(server.tlsPort, { tls: true });
  raw.open();
  await raw.waitFor("</stream:features>");
  const jid = await raw.login("alice", "alice-pw", "localhost", "leaving");
  raw.write(
    `<inactive xmlns='${CSI}'/><iq type='get' id='p1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>`,
  );
  await raw.waitFor('id="p1"');
  const bob = await login("bob", "closer");
  await bob.send(xml("presence", { to: jid }, xml("status", {}, "last words")));
  await ping(bob);
  assert.equal(held(jid), 1);
  raw.close();
  const tail = await raw.waitFor(/last words[\s\S]*<\/stream:stream>/);
  assert.ok(tail.length > 0);
});
