// End to end, RFC 6121 §2–4: real clients subscribe to each other until the roster says "both", see
// each other's presence come and go, and subscription requests reach users who were offline.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import {
  ChatClient,
  condition,
  isPresence,
  rosterItem,
  xml,
  type XmlElement,
} from "../helpers/chat-client.ts";

let api: TestAuthApi;
let srv: TestServer;
const users = ["alice", "bob", "carol", "dave", "erin"];

before(async () => {
  api = await startAuthApi(Object.fromEntries(users.map((u) => [`${u}@localhost`, `${u}-pw`])));
  srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    // @xmpp/client enables XEP-0198: a dropped session hibernates this long before it is unavailable.
    hosts: { localhost: { http_auth_url: api.url, http_auth_timeout: 0.5, smacks_hibernation_time: 1 } },
  });
});

after(async () => {
  await srv.stop();
  await api.close();
});

const login = (user: string, resource?: string) => ChatClient.login(srv.port, user, `${user}-pw`, resource);
const roster = (c: ChatClient, ver?: string) =>
  c.iq(xml("iq", { type: "get" }, xml("query", { xmlns: "jabber:iq:roster", ver })));
const isPush = (jid: string, subscription: string) => (s: XmlElement) =>
  s.name === "iq" && s.attrs.type === "set" && rosterItem(s, jid)?.attrs.subscription === subscription;

async function online(user: string): Promise<ChatClient> {
  const c = await login(user);
  await roster(c);
  await c.send(xml("presence"));
  await c.waitFor(isPresence(c.jid), "own presence echoed");
  return c;
}

test("two users subscribe both ways until the roster says both, with pushes and versions", async () => {
  const alice = await online("alice");
  const bob = await online("bob");
  try {
    const v0 = (await roster(alice)).getChild("query")?.attrs.ver;
    await alice.send(xml("presence", { to: "bob@localhost", type: "subscribe" }));
    await alice.waitFor(
      (s) => isPush("bob@localhost", "none")(s) && rosterItem(s, "bob@localhost")?.attrs.ask === "subscribe",
      "ask push",
    );
    await bob.waitFor(isPresence("alice@localhost", "subscribe"), "subscribe at bob");
    await bob.send(xml("presence", { to: "alice@localhost", type: "subscribed" }));
    await bob.waitFor(isPush("alice@localhost", "from"), "bob's push: from");
    await alice.waitFor(isPush("bob@localhost", "to"), "alice's push: to");
    await alice.waitFor(isPresence("bob@localhost", "subscribed"), "subscribed at alice");
    await alice.waitFor(isPresence(bob.jid), "bob's presence after approval");

    await bob.send(xml("presence", { to: "alice@localhost", type: "subscribe" }));
    await alice.waitFor(isPresence("bob@localhost", "subscribe"), "subscribe at alice");
    await alice.send(xml("presence", { to: "bob@localhost", type: "subscribed" }));
    await alice.waitFor(isPush("bob@localhost", "both"), "alice's push: both");
    await bob.waitFor(isPush("alice@localhost", "both"), "bob's push: both");

    const r = await roster(alice);
    assert.equal(rosterItem(r, "bob@localhost")?.attrs.subscription, "both");
    assert.equal(rosterItem(r, "bob@localhost")?.attrs.ask, undefined);
    assert.equal(rosterItem(await roster(bob), "alice@localhost")?.attrs.subscription, "both");
    // XEP-0237: the version moved, and asking with the current one returns nothing to download.
    const ver = r.getChild("query")?.attrs.ver;
    assert.notEqual(ver, v0);
    const same = await roster(alice, ver);
    assert.equal(same.attrs.type, "result");
    assert.equal(same.getChild("query"), undefined);
  } finally {
    await alice.stop();
    await bob.stop();
  }
});

test("presence is broadcast to subscribers; a dropped connection becomes unavailable", async () => {
  const alice = await online("alice");
  const bob = await online("bob");
  try {
    // Initial presence: each is told of the other (the subscription from the previous test).
    await alice.waitFor(isPresence(bob.jid), "bob's presence");
    await bob.send(xml("presence", {}, xml("show", {}, "away"), xml("status", {}, "lunch")));
    const away = await alice.waitFor(
      (s) => isPresence(bob.jid)(s) && s.getChildText("status") === "lunch",
      "away",
    );
    assert.equal(away.getChildText("show"), "away");
    const mark = alice.received.length;
    // No closing handshake: the socket just goes.
    bob.drop();
    await alice.waitFor(isPresence(bob.jid, "unavailable"), "unavailable after the drop", 10_000, mark);
  } finally {
    await alice.stop();
    await bob.stop();
  }
});

test("a subscription request to an offline user is kept and delivered at login", async () => {
  const alice = await online("alice");
  try {
    await alice.send(
      xml("presence", { to: "carol@localhost", type: "subscribe" }, xml("status", {}, "hi carol")),
    );
    await alice.waitFor((s) => rosterItem(s, "carol@localhost")?.attrs.ask === "subscribe", "ask push");
    const carol = await login("carol");
    try {
      await carol.assertNone(isPresence("alice@localhost", "subscribe"), "request before presence", 200);
      await carol.send(xml("presence"));
      const req = await carol.waitFor(isPresence("alice@localhost", "subscribe"), "kept request");
      assert.equal(req.getChildText("status"), "hi carol");
      await carol.send(xml("presence", { to: "alice@localhost", type: "subscribed" }));
      await alice.waitFor(isPush("carol@localhost", "to"), "alice subscribed to carol");
      await alice.waitFor(isPresence(carol.jid), "carol's presence");
    } finally {
      await carol.stop();
    }
  } finally {
    await alice.stop();
  }
});

test("a subscription request to a user the API does not know is answered unsubscribed (RFC 6121 §8.5.1)", async () => {
  const alice = await online("alice");
  try {
    await alice.send(xml("presence", { to: "ghost@localhost", type: "subscribe" }));
    await alice.waitFor(isPresence("ghost@localhost", "unsubscribed"), "unsubscribed from ghost");
    const item = rosterItem(await roster(alice), "ghost@localhost");
    assert.equal(item?.attrs.subscription, "none");
    assert.equal(item?.attrs.ask, undefined);
    assert.ok(api.requests.some((r) => r.path.endsWith("/user_exists") && r.params.user === "ghost"));
  } finally {
    await alice.stop();
  }
});

test("roster set: invalid JID, two items, duplicate groups are refused; others unaffected; remove", async () => {
  const dave = await online("dave");
  const erin = await online("erin");
  try {
    const set = (...items: XmlElement[]) =>
      dave.iq(xml("iq", { type: "set" }, xml("query", { xmlns: "jabber:iq:roster" }, ...items)));
    assert.equal(condition(await set(xml("item", { jid: "a@b@c/" }))), "jid-malformed");
    assert.equal(
      condition(await set(xml("item", { jid: "x@localhost" }), xml("item", { jid: "y@localhost" }))),
      "bad-request",
    );
    assert.equal(
      condition(await set(xml("item", { jid: "x@localhost" }, xml("group", {}, "g"), xml("group", {}, "g")))),
      "bad-request",
    );
    assert.equal(
      condition(await set(xml("item", { jid: "nobody@localhost", subscription: "remove" }))),
      "item-not-found",
    );
    const ok = await set(xml("item", { jid: "erin@localhost", name: "Erin" }, xml("group", {}, "Friends")));
    assert.equal(ok.attrs.type, "result");
    const push = await dave.waitFor(isPush("erin@localhost", "none"), "push for the new item");
    assert.equal(rosterItem(push, "erin@localhost")?.getChildText("group"), "Friends");
    // Another session still works normally.
    const pong = await erin.iq(
      xml("iq", { type: "get", to: "localhost" }, xml("ping", { xmlns: "urn:xmpp:ping" })),
    );
    assert.equal(pong.attrs.type, "result");
    assert.equal(
      (await set(xml("item", { jid: "erin@localhost", subscription: "remove" }))).attrs.type,
      "result",
    );
    await dave.waitFor(isPush("erin@localhost", "remove"), "removal push");
    assert.equal(rosterItem(await roster(dave), "erin@localhost"), undefined);
  } finally {
    await dave.stop();
    await erin.stop();
  }
});

test("roster versioning is advertised after authentication (XEP-0237 §3)", async () => {
  const raw = await RawClient.connect(srv.port);
  try {
    raw.open();
    await raw.waitFor("</stream:features>");
    await raw.starttls();
    assert.doesNotMatch(raw.received, /rosterver/);
    await raw.login("erin", "erin-pw");
    assert.match(raw.received, /<ver xmlns="urn:xmpp:features:rosterver"\/>/);
  } finally {
    raw.destroy();
  }
});
