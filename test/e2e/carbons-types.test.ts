// End to end with @xmpp/client: which messages XEP-0280 §6 copies, type by type. Alice has two
// resources with carbons on; bob writes to one of them (the other gets <received/> copies) and she
// writes to bob from one (the other gets <sent/> copies).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { ChatClient, xml, type XmlElement } from "../helpers/chat-client.ts";

const CARBONS = "urn:xmpp:carbons:2";
let api: TestAuthApi;
let srv: TestServer;
const clients: ChatClient[] = [];

before(async () => {
  api = await startAuthApi({ "alice@localhost": "alice-pw", "bob@localhost": "bob-pw" });
  srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    hosts: { localhost: { http_auth_url: api.url } },
  });
});

after(async () => {
  for (const c of clients) await c.stop();
  await srv.stop();
  await api.close();
});

async function online(user: string, resource: string, carbons = false): Promise<ChatClient> {
  const c = await ChatClient.online(srv.port, user, resource);
  clients.push(c);
  if (carbons) {
    const r = await c.iq(xml("iq", { type: "set" }, xml("enable", { xmlns: CARBONS })));
    assert.equal(r.attrs.type, "result");
  }
  return c;
}

/** Messages by the marker in their id; each case says whether §6 copies it. */
const CASES: { name: string; copied: boolean; make: (to: string, id: string) => XmlElement }[] = [
  {
    name: "chat",
    copied: true,
    make: (to, id) => xml("message", { to, id, type: "chat" }, xml("body", {}, "x")),
  },
  {
    name: "chat state without a body",
    copied: true,
    make: (to, id) =>
      xml(
        "message",
        { to, id, type: "chat" },
        xml("composing", { xmlns: "http://jabber.org/protocol/chatstates" }),
      ),
  },
  {
    name: "normal with a body",
    copied: true,
    make: (to, id) => xml("message", { to, id }, xml("body", {}, "x")),
  },
  {
    name: "normal receipt",
    copied: true,
    make: (to, id) => xml("message", { to, id }, xml("received", { xmlns: "urn:xmpp:receipts", id: "m1" })),
  },
  {
    name: "normal chat marker",
    copied: true,
    make: (to, id) =>
      xml("message", { to, id }, xml("displayed", { xmlns: "urn:xmpp:chat-markers:0", id: "m1" })),
  },
  {
    name: "normal archived on a <store/> hint",
    copied: true,
    make: (to, id) => xml("message", { to, id }, xml("store", { xmlns: "urn:xmpp:hints" })),
  },
  {
    name: "normal without a body",
    copied: false,
    make: (to, id) => xml("message", { to, id }, xml("x", { xmlns: "urn:example" })),
  },
  {
    name: "headline",
    copied: false,
    make: (to, id) => xml("message", { to, id, type: "headline" }, xml("body", {}, "x")),
  },
  {
    name: "private chat",
    copied: false,
    make: (to, id) =>
      xml("message", { to, id, type: "chat" }, xml("body", {}, "x"), xml("private", { xmlns: CARBONS })),
  },
  {
    name: "no-copy chat",
    copied: false,
    make: (to, id) =>
      xml(
        "message",
        { to, id, type: "chat" },
        xml("body", {}, "x"),
        xml("no-copy", { xmlns: "urn:xmpp:hints" }),
      ),
  },
  {
    name: "error",
    copied: false,
    make: (to, id) =>
      xml(
        "message",
        { to, id, type: "error" },
        xml(
          "error",
          { type: "cancel" },
          xml("item-not-found", { xmlns: "urn:ietf:params:xml:ns:xmpp-stanzas" }),
        ),
      ),
  },
];

const copyOf = (kind: "sent" | "received", id: string) => (s: XmlElement) =>
  s.getChild(kind, CARBONS)?.getChild("forwarded")?.getChild("message")?.attrs.id === id;

test("received: each message type to one resource is copied to the other as §6 says", async () => {
  const a1 = await online("alice", "r1", true);
  const a2 = await online("alice", "r2", true);
  const bob = await online("bob", "r");
  for (const c of CASES) {
    const id = `in-${c.name}`;
    await bob.send(c.make(a1.jid, id));
    await a1.waitFor((s) => s.name === "message" && s.attrs.id === id, `${c.name} delivered`);
  }
  // A private message from a MUC occupant (XEP-0045 <x/>) belongs to the resource in the room.
  await bob.send(
    xml(
      "message",
      { to: a1.jid, id: "in-muc-pm", type: "chat" },
      xml("body", {}, "pm"),
      xml("x", { xmlns: "http://jabber.org/protocol/muc#user" }),
    ),
  );
  await a1.waitFor((s) => s.attrs.id === "in-muc-pm", "MUC PM delivered");
  // Everything copied has arrived once bob's last copied message has (one session, in order).
  await bob.send(CASES[0]!.make(a1.jid, "in-last"));
  await a2.waitFor(copyOf("received", "in-last"), "last copy");
  for (const c of CASES) {
    const got = a2.received.some(copyOf("received", `in-${c.name}`));
    assert.equal(got, c.copied, `${c.name}: ${c.copied ? "copied" : "not copied"}`);
  }
  assert.equal(a2.received.some(copyOf("received", "in-muc-pm")), false, "MUC PM not copied");
});

test("sent: each message type a resource sends is copied to the other as §6 says", async () => {
  const a1 = await online("alice", "s1", true);
  const a2 = await online("alice", "s2", true);
  const bob = await online("bob", "s");
  for (const c of CASES) await a1.send(c.make(bob.jid, `out-${c.name}`));
  await a1.send(CASES[0]!.make(bob.jid, "out-last"));
  await a2.waitFor(copyOf("sent", "out-last"), "last copy");
  for (const c of CASES) {
    const got = a2.received.some(copyOf("sent", `out-${c.name}`));
    assert.equal(got, c.copied, `${c.name}: ${c.copied ? "copied" : "not copied"}`);
  }
  // The archived chat message's copy carries alice's archive id (XEP-0313 §3.5).
  const carbon = a2.received.find(copyOf("sent", "out-chat"));
  const copy = carbon?.getChild("sent")?.getChild("forwarded")?.getChild("message");
  assert.ok(copy?.getChildren("stanza-id", "urn:xmpp:sid:0").some((e) => e.attrs.by === "alice@localhost"));
});

test("groupchat delivered to a resource is not copied to the others", async () => {
  const a1 = await online("alice", "e1", true);
  const a2 = await online("alice", "e2", true);
  const bob = await online("bob", "e");
  // RFC 6121 §8.5.3.1: to a connected full JID it is delivered; XEP-0280 §6 never copies it.
  await bob.send(xml("message", { to: a1.jid, id: "gc", type: "groupchat" }, xml("body", {}, "x")));
  await a1.waitFor((s) => s.attrs.id === "gc", "groupchat delivered");
  await bob.send(CASES[0]!.make(a1.jid, "e-last"));
  await a2.waitFor(copyOf("received", "e-last"), "last copy");
  assert.equal(a2.received.some(copyOf("received", "gc")), false);
});
