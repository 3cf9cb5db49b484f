// End to end, RFC 6121 §5 and §8.5: messages to full and bare JIDs, carbons (XEP-0280), offline
// storage and delivery (XEP-0160) with its cap, bounces for users the API does not know, IQ routing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { ChatClient, condition, isPresence, xml, type XmlElement } from "../helpers/chat-client.ts";

let api: TestAuthApi;
let srv: TestServer;
const users = ["alice", "bob", "carol", "dave", "erin", "frank"];

before(async () => {
  api = await startAuthApi(Object.fromEntries(users.map((u) => [`${u}@localhost`, `${u}-pw`])));
  srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    max_offline_messages: 2,
    hosts: { localhost: { http_auth_url: api.url, http_auth_timeout: 0.5 } },
  });
});

after(async () => {
  await srv.stop();
  await api.close();
});

async function online(user: string, resource?: string, priority?: number): Promise<ChatClient> {
  const c = await ChatClient.login(srv.port, user, `${user}-pw`, resource);
  await c.send(
    xml("presence", {}, ...(priority === undefined ? [] : [xml("priority", {}, String(priority))])),
  );
  await c.waitFor(isPresence(c.jid), "own presence echoed");
  return c;
}

const chat = (to: string, body: string, type = "chat") => xml("message", { to, type }, xml("body", {}, body));
const isBody = (body: string) => (s: XmlElement) => s.name === "message" && s.getChildText("body") === body;
const isError = (s: XmlElement) => s.name === "message" && s.attrs.type === "error";

test("messages to a full JID reach that resource; to the bare JID every non-negative resource", async () => {
  const a = await online("alice");
  const b1 = await online("bob", "one");
  const b2 = await online("bob", "two");
  const b3 = await online("bob", "shy", -1);
  try {
    await a.send(chat(b1.jid, "just one"));
    const got = await b1.waitFor(isBody("just one"), "full-JID message");
    assert.equal(got.attrs.from, a.jid);
    await b2.assertNone(isBody("just one"), "copy at another resource", 100);
    await a.send(chat("bob@localhost", "everyone"));
    await b1.waitFor(isBody("everyone"), "bare at one");
    await b2.waitFor(isBody("everyone"), "bare at two");
    await b3.assertNone(isBody("everyone"), "bare at negative priority", 100);
    // §8.5.3.2.1: an unknown resource: chat goes to the bare JID, groupchat bounces, headline vanishes.
    await a.send(chat("bob@localhost/gone", "redirected"));
    await b1.waitFor(isBody("redirected"), "chat to a gone resource");
    await a.send(chat("bob@localhost/gone", "gc", "groupchat"));
    assert.equal(condition(await a.waitFor(isError, "groupchat bounce")), "service-unavailable");
  } finally {
    for (const c of [a, b1, b2, b3]) await c.stop();
  }
});

test("carbons: a second resource sees what the first sends and receives (XEP-0280)", async () => {
  const a1 = await online("alice", "phone");
  const a2 = await online("alice", "laptop");
  const b = await online("bob", "desk");
  try {
    const en = await a2.iq(xml("iq", { type: "set" }, xml("enable", { xmlns: "urn:xmpp:carbons:2" })));
    assert.equal(en.attrs.type, "result");
    await a1.send(chat(b.jid, "sent from phone"));
    await b.waitFor(isBody("sent from phone"), "original");
    const sent = await a2.waitFor(
      (s) => s.getChild("sent", "urn:xmpp:carbons:2") !== undefined,
      "sent carbon",
    );
    assert.equal(sent.attrs.from, "alice@localhost");
    const fwd = sent.getChild("sent")?.getChild("forwarded", "urn:xmpp:forward:0")?.getChild("message");
    assert.equal(fwd?.getChildText("body"), "sent from phone");
    assert.equal(fwd?.attrs.to, b.jid);

    await b.send(chat(a1.jid, "to the phone"));
    await a1.waitFor(isBody("to the phone"), "original at phone");
    const rcv = await a2.waitFor(
      (s) => s.getChild("received", "urn:xmpp:carbons:2") !== undefined,
      "received carbon",
    );
    assert.equal(rcv.getChild("received")?.getChild("forwarded")?.getChild("message")?.attrs.from, b.jid);

    const priv = xml(
      "message",
      { to: a1.jid, type: "chat" },
      xml("body", {}, "secret"),
      xml("private", { xmlns: "urn:xmpp:carbons:2" }),
    );
    await b.send(priv);
    await a1.waitFor(isBody("secret"), "private original");
    await a2.assertNone((s) => String(s).includes("secret"), "carbon of a private message", 150);
  } finally {
    for (const c of [a1, a2, b]) await c.stop();
  }
});

test("a message to an offline user is kept, stamped and delivered at the next initial presence", async () => {
  const a = await online("alice");
  try {
    await a.send(chat("carol@localhost", "while you were out"));
    await a.assertNone(isError, "a bounce", 200);
    const carol = await ChatClient.login(srv.port, "carol", "carol-pw");
    try {
      await carol.assertNone(isBody("while you were out"), "delivery before presence", 150);
      await carol.send(xml("presence"));
      const m = await carol.waitFor(isBody("while you were out"), "offline message");
      assert.equal(m.attrs.from, a.jid);
      const delay = m.getChild("delay", "urn:xmpp:delay");
      assert.ok(delay !== undefined && !Number.isNaN(Date.parse(delay.attrs.stamp ?? "")), String(m));
      // Delivered once: a second resource does not get it again.
      const again = await online("carol", "second");
      await again.assertNone(isBody("while you were out"), "second delivery", 150);
      await again.stop();
    } finally {
      await carol.stop();
    }
  } finally {
    await a.stop();
  }
});

test("offline storage is capped (resource-constraint) and survives an auth API in trouble", async () => {
  const a = await online("alice");
  try {
    api.fault = "500"; // user_exists fails: the message is kept, not bounced as if dave did not exist
    await a.send(chat("dave@localhost", "kept despite trouble"));
    await a.assertNone(isError, "a bounce during API trouble", 200);
    api.fault = "none";
    await a.send(chat("dave@localhost", "second"));
    await a.send(chat("dave@localhost", "third: over the cap of 2"));
    assert.equal(condition(await a.waitFor(isError, "cap bounce")), "resource-constraint");
    const dave = await online("dave");
    await dave.waitFor(isBody("kept despite trouble"), "first");
    await dave.waitFor(isBody("second"), "second");
    const bodies = dave.received.filter((s) => s.name === "message").map((s) => s.getChildText("body"));
    assert.deepEqual(bodies, ["kept despite trouble", "second"]);
    await dave.stop();
  } finally {
    api.fault = "none";
    await a.stop();
  }
});

test("a message to a user the API says does not exist bounces with service-unavailable", async () => {
  const a = await online("alice");
  try {
    await a.send(
      xml("message", { to: "nobody@localhost", type: "chat", id: "m1" }, xml("body", {}, "hello?")),
    );
    const err = await a.waitFor(isError, "bounce");
    assert.equal(condition(err), "service-unavailable");
    assert.equal(err.attrs.id, "m1");
    assert.equal(err.attrs.from, "nobody@localhost");
    assert.ok(api.requests.some((r) => r.path.endsWith("/user_exists") && r.params.user === "nobody"));
  } finally {
    await a.stop();
  }
});

test("IQ routing: forwarded to a full JID, service-unavailable otherwise; disco on accounts; version", async () => {
  const a = await online("alice");
  const b = await online("bob");
  b.xmpp.iqCallee.get("urn:example:echo", "echo", () => ({
    name: "echo",
    attrs: { xmlns: "urn:example:echo" },
    children: ["pong"],
  }));
  try {
    const q = (to: string, ns: string, name = "query") =>
      xml("iq", { type: "get", to }, xml(name, { xmlns: ns }));
    const echoed = await a.iq(q(b.jid, "urn:example:echo", "echo"));
    assert.equal(echoed.attrs.type, "result");
    assert.equal(echoed.attrs.from, b.jid);
    assert.equal(
      condition(await a.iq(q("bob@localhost/nowhere", "urn:example:echo", "echo"))),
      "service-unavailable",
    );
    assert.equal(condition(await a.iq(q("localhost", "urn:example:unknown"))), "service-unavailable");
    assert.equal(condition(await a.iq(q("bob@localhost", "urn:example:unknown"))), "service-unavailable");
    assert.equal(
      condition(await a.iq(q("nobody@localhost", "http://jabber.org/protocol/disco#info"))),
      "service-unavailable",
    );
    const info = await a.iq(q("bob@localhost", "http://jabber.org/protocol/disco#info"));
    assert.equal(info.getChild("query")?.getChild("identity")?.attrs.category, "account");
    const own = await a.iq(q("alice@localhost", "http://jabber.org/protocol/disco#info"));
    assert.equal(own.getChild("query")?.getChild("identity")?.attrs.type, "registered");
    const server = await a.iq(q("localhost", "http://jabber.org/protocol/disco#info"));
    const features =
      server
        .getChild("query")
        ?.getChildren("feature")
        .map((f) => f.attrs.var) ?? [];
    assert.ok(
      features.includes("urn:xmpp:carbons:2") && features.includes("jabber:iq:version"),
      features.join(),
    );
    const version = await a.iq(q("localhost", "jabber:iq:version"));
    assert.equal(version.getChild("query")?.getChildText("name"), "xmpp-http-auth");
  } finally {
    await a.stop();
    await b.stop();
  }
});

test("a 10 MB message closes only its sender's stream with policy-violation", async () => {
  const b = await online("bob");
  const raw = await RawClient.connect(srv.port);
  try {
    raw.open();
    await raw.waitFor("</stream:features>");
    await raw.starttls();
    await raw.login("erin", "erin-pw");
    raw.write(
      `<message to='bob@localhost' type='chat'><body>${"x".repeat(10 * 1024 * 1024)}</body></message>`,
    );
    await raw.waitFor("<policy-violation", 10000);
    await raw.waitClosed();
    assert.equal(
      b.received.some((s) => s.name === "message"),
      false,
    );
    const pong = await b.iq(
      xml("iq", { type: "get", to: "localhost" }, xml("ping", { xmlns: "urn:xmpp:ping" })),
    );
    assert.equal(pong.attrs.type, "result");
  } finally {
    raw.destroy();
    await b.stop();
  }
});
