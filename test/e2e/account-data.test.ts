// End to end with @xmpp/client, on SQLite (the default) and PostgreSQL (storage = "sql"): XEP-0049
// private XML storage, XEP-0054 vCards and XEP-0191 blocking, with the server's disco#info.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { onEachStorage } from "../helpers/chat-stores.ts";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { ChatClient, condition, isPresence, xml, type XmlElement } from "../helpers/chat-client.ts";
import { REMOVE, iq, loggedIn, outcome, register } from "../helpers/register-client.ts";
import { WsRawClient } from "../helpers/ws-client.ts";

const USERS = {
  "alice@localhost": "alice-pw",
  "bob@localhost": "bob-pw",
  "carol@localhost": "carol-pw",
  "erin@localhost": "erin-pw",
  "frank@localhost": "frank-pw",
};
const BLOCKING = "urn:xmpp:blocking";

const iqOf = (type: string, child: XmlElement, to?: string) =>
  xml("iq", { type, ...(to ? { to } : {}) }, child);
const privateQuery = (...c: XmlElement[]) => xml("query", { xmlns: "jabber:iq:private" }, ...c);
const vcard = (fn: string) => xml("vCard", { xmlns: "vcard-temp" }, xml("FN", {}, fn));
const items = (jids: string[]) => jids.map((jid) => xml("item", { jid }));

function suite(storage: () => Record<string, unknown>, cleanup: () => Promise<void> = async () => {}): void {
  let api: TestAuthApi;
  let server: TestServer;
  const clients: ChatClient[] = [];
  const login = async (user: string, resource?: string) => {
    const c = await ChatClient.login(server.port, user, `${user}-pw`, resource);
    clients.push(c);
    return c;
  };

  before(async () => {
    api = await startAuthApi(USERS);
    server = await startServer({
      certificate: TEST_CERT,
      key: TEST_KEY,
      ...storage(),
      https_ports: [0],
      vcard_max_size: 2048,
      private_max_size: 1024,
      hosts: { localhost: { http_auth_url: api.url, allow_registration: true } },
    });
  });
  after(async () => {
    for (const c of clients) await c.stop();
    await server.stop();
    await api.close();
    await cleanup();
  });

  test("disco#info of the server lists private storage, vcard-temp and blocking", async () => {
    const alice = await login("alice");
    const r = await alice.iq(
      iqOf("get", xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }), "localhost"),
    );
    const features = r
      .getChild("query")
      ?.getChildren("feature")
      .map((f) => f.attrs.var);
    for (const f of ["jabber:iq:private", "vcard-temp", BLOCKING]) assert.ok(features?.includes(f), f);
  });

  test("XEP-0049: set and get by namespace; jabber:* refused; others' storage forbidden; size limit", async () => {
    const alice = await login("alice");
    const empty = await alice.iq(iqOf("get", privateQuery(xml("storage", { xmlns: "storage:bookmarks" }))));
    assert.equal(empty.attrs.type, "result");
    assert.equal(empty.getChild("query")?.getChild("storage", "storage:bookmarks")?.children.length, 0);
    const data = xml(
      "storage",
      { xmlns: "storage:bookmarks" },
      xml("conference", { jid: "r@muc", name: "é" }),
    );
    assert.equal((await alice.iq(iqOf("set", privateQuery(data)))).attrs.type, "result");
    const got = await alice.iq(iqOf("get", privateQuery(xml("storage", { xmlns: "storage:bookmarks" }))));
    assert.equal(got.getChild("query")?.getChild("storage")?.getChild("conference")?.attrs.name, "é");
    // Another resource of the same account reads the same data.
    const again = await (
      await login("alice", "two")
    ).iq(iqOf("get", privateQuery(xml("storage", { xmlns: "storage:bookmarks" }))));
    assert.equal(again.getChild("query")?.getChild("storage")?.getChild("conference")?.attrs.jid, "r@muc");
    const reserved = await alice.iq(iqOf("set", privateQuery(xml("query", { xmlns: "jabber:iq:roster" }))));
    assert.equal(condition(reserved), "not-acceptable");
    const bob = await login("bob");
    const theirs = await bob.iq(
      iqOf("get", privateQuery(xml("storage", { xmlns: "storage:bookmarks" })), "alice@localhost"),
    );
    assert.equal(condition(theirs), "forbidden");
    const big = xml("big", { xmlns: "urn:test:big" }, "x".repeat(2000));
    assert.equal(condition(await alice.iq(iqOf("set", privateQuery(big)))), "not-acceptable");
    assert.equal(condition(await alice.iq(iqOf("set", privateQuery()))), "not-acceptable");
    assert.equal(condition(await alice.iq(iqOf("get", privateQuery()))), "bad-request");
    assert.equal(condition(await alice.iq(iqOf("set", privateQuery(xml("bare", {}))))), "not-acceptable");
    // A set may carry several elements, each kept under its own name and namespace.
    const two = [xml("a", { xmlns: "urn:test:a" }, "1"), xml("b", { xmlns: "urn:test:b" }, "2")];
    assert.equal((await alice.iq(iqOf("set", privateQuery(...two)))).attrs.type, "result");
    const b = await alice.iq(iqOf("get", privateQuery(xml("b", { xmlns: "urn:test:b" }))));
    assert.equal(b.getChild("query")?.getChildText("b"), "2");
  });

  test("XEP-0054: own vCard set and read; another account's read by bare JID; errors", async () => {
    const carol = await login("carol");
    assert.equal(
      condition(await carol.iq(iqOf("get", xml("vCard", { xmlns: "vcard-temp" })))),
      "item-not-found",
    );
    assert.equal((await carol.iq(iqOf("set", vcard("Carol C.")))).attrs.type, "result");
    const own = await carol.iq(iqOf("get", xml("vCard", { xmlns: "vcard-temp" })));
    assert.equal(own.getChild("vCard", "vcard-temp")?.getChildText("FN"), "Carol C.");
    const bob = await login("bob");
    const theirs = await bob.iq(iqOf("get", xml("vCard", { xmlns: "vcard-temp" }), "carol@localhost"));
    assert.equal(theirs.attrs.from, "carol@localhost");
    assert.equal(theirs.getChild("vCard", "vcard-temp")?.getChildText("FN"), "Carol C.");
    const unknown = await bob.iq(iqOf("get", xml("vCard", { xmlns: "vcard-temp" }), "nobody@localhost"));
    assert.equal(condition(unknown), "service-unavailable");
    assert.equal(condition(await bob.iq(iqOf("set", vcard("not mine"), "carol@localhost"))), "forbidden");
    assert.equal(condition(await carol.iq(iqOf("set", vcard("y".repeat(3000))))), "not-acceptable");
    const still = await carol.iq(iqOf("get", xml("vCard", { xmlns: "vcard-temp" })));
    assert.equal(still.getChild("vCard", "vcard-temp")?.getChildText("FN"), "Carol C.");
  });

  test("an account removed in-band (XEP-0077) leaves no private XML, vCard or blocklist behind", async () => {
    assert.equal(await register({ port: server.port }, "dave", "dave-pw"), "result");
    const dave = await loggedIn(server.tlsPort, "dave", "dave-pw");
    const note = "<note xmlns='urn:test:note'>kept</note>";
    const probes = {
      note: `<query xmlns='jabber:iq:private'><note xmlns='urn:test:note'/></query>`,
      vcard: "<vCard xmlns='vcard-temp'/>",
      list: `<blocklist xmlns='${BLOCKING}'/>`,
    };
    try {
      assert.equal(
        outcome(await iq(dave, "set", `<query xmlns='jabber:iq:private'>${note}</query>`)),
        "result",
      );
      assert.equal(outcome(await iq(dave, "set", "<vCard xmlns='vcard-temp'><FN>D</FN></vCard>")), "result");
      assert.equal(
        outcome(await iq(dave, "set", `<block xmlns='${BLOCKING}'><item jid='x@y'/></block>`)),
        "result",
      );
      assert.match(await iq(dave, "get", probes.note), />kept</);
      assert.equal(outcome(await iq(dave, "set", REMOVE)), "result");
    } finally {
      dave.destroy();
    }
    assert.equal(await register({ port: server.port }, "dave", "dave-pw"), "result");
    const again = await loggedIn(server.tlsPort, "dave", "dave-pw");
    try {
      // The deletion runs after the removal's answer: allow it a moment.
      const deadline = Date.now() + 5000;
      let vcard = "";
      while (Date.now() < deadline && outcome((vcard = await iq(again, "get", probes.vcard))) === "result")
        await new Promise((r) => setTimeout(r, 50));
      assert.equal(outcome(vcard), "item-not-found/cancel");
      assert.doesNotMatch(await iq(again, "get", probes.note), />kept</);
      assert.doesNotMatch(await iq(again, "get", probes.list), /x@y/);
    } finally {
      again.destroy();
    }
  });

  test("over WebSocket (RFC 7395): private XML, vCard and a blocklist push", async () => {
    const ws = await WsRawClient.connect(`wss://localhost:${server.httpsPort}/xmpp-websocket`);
    try {
      await ws.login("carol", "carol-pw", "ws");
      const ask = async (id: string, body: string) => {
        const mark = ws.messages.length;
        ws.send(`<iq xmlns='jabber:client' type='${id.split("-")[0]}' id='${id}'>${body}</iq>`);
        return ws.waitFor(new RegExp(`^<iq\\b[^>]*id="${id}"`), 5000, mark);
      };
      const note = "<note xmlns='urn:test:ws'>over ws</note>";
      assert.match(await ask("set-p", `<query xmlns='jabber:iq:private'>${note}</query>`), /type="result"/);
      assert.match(
        await ask("get-p", "<query xmlns='jabber:iq:private'><note xmlns='urn:test:ws'/></query>"),
        />over ws</,
      );
      assert.match(
        await ask("set-v", "<vCard xmlns='vcard-temp'><NICKNAME>ws</NICKNAME></vCard>"),
        /type="result"/,
      );
      assert.match(await ask("get-v", "<vCard xmlns='vcard-temp'/>"), /<NICKNAME>ws<\/NICKNAME>/);
      assert.match(await ask("get-b", `<blocklist xmlns='${BLOCKING}'/>`), /type="result"/);
      const mark = ws.messages.length;
      assert.match(
        await ask("set-b", `<block xmlns='${BLOCKING}'><item jid='spam@example.net'/></block>`),
        /type="result"/,
      );
      assert.match(
        await ws.waitFor(/<block xmlns="urn:xmpp:blocking">/, 5000, mark),
        /jid="spam@example.net"/,
      );
      assert.match(await ask("set-u", `<unblock xmlns='${BLOCKING}'/>`), /type="result"/);
    } finally {
      ws.close();
    }
  });

  test("XEP-0191 between subscribed contacts: broadcasts skip a block both ways, until unblocked", async () => {
    const erin = await login("erin");
    const frank = await login("frank");
    for (const c of [erin, frank]) {
      await c.iq(iqOf("get", xml("query", { xmlns: "jabber:iq:roster" })));
      await c.send(xml("presence"));
      await c.waitFor(isPresence(c.jid), "own presence echoed");
    }
    // A subscription both ways (RFC 6121 §3); each then sees the other's presence.
    for (const [a, b] of [
      [erin, frank],
      [frank, erin],
    ] as const) {
      await a.send(xml("presence", { to: b.bare, type: "subscribe" }));
      await b.waitFor(isPresence(a.bare, "subscribe"), "subscribe");
      await b.send(xml("presence", { to: a.bare, type: "subscribed" }));
      await a.waitFor(isPresence(b.bare, "subscribed"), "subscribed");
    }
    await erin.waitFor(isPresence(frank.jid), "frank's presence");
    await frank.waitFor(isPresence(erin.jid), "erin's presence");

    const fMark = frank.received.length;
    const block = xml("block", { xmlns: BLOCKING }, ...items([frank.bare]));
    assert.equal((await erin.iq(iqOf("set", block))).attrs.type, "result");
    await frank.waitFor(isPresence(erin.jid, "unavailable"), "unavailable on block", 3000, fMark);
    const eMark = erin.received.length;
    const fMark2 = frank.received.length;
    await erin.send(xml("presence", {}, xml("status", {}, "erin busy")));
    await frank.send(xml("presence", {}, xml("status", {}, "frank busy")));
    // Each sees its own broadcast echoed (so both were processed) and nothing of the other.
    await erin.waitFor(
      (s) => isPresence(erin.jid)(s) && s.getChildText("status") === "erin busy",
      "echo",
      3000,
      eMark,
    );
    await frank.waitFor(
      (s) => isPresence(frank.jid)(s) && s.getChildText("status") === "frank busy",
      "echo",
      3000,
      fMark2,
    );
    await erin.assertNone(isPresence(frank.jid), "frank's presence", 200, eMark);
    await frank.assertNone(isPresence(erin.jid), "erin's presence", 0, fMark2);

    const unblock = xml("unblock", { xmlns: BLOCKING }, ...items([frank.bare]));
    assert.equal((await erin.iq(iqOf("set", unblock))).attrs.type, "result");
    const back = await frank.waitFor(
      isPresence(erin.jid),
      "erin's current presence on unblock",
      3000,
      fMark2,
    );
    assert.equal(back.getChildText("status"), "erin busy");
  });

  test("XEP-0191: pushes to interested resources; blocked stanzas refused both ways; presence on change", async () => {
    const a1 = await login("alice", "a1");
    const a2 = await login("alice", "a2");
    const bob = await login("bob", "b");
    await bob.send(xml("presence"));
    await a1.send(xml("presence"));
    // Directed presence makes bob one who may see alice's presence (RFC 6121 §4.6).
    await a1.send(xml("presence", { to: "bob@localhost/b" }));
    await bob.waitFor(
      (s) => s.name === "presence" && s.attrs.from === a1.jid && s.attrs.type === undefined,
      "presence",
    );

    const list = await a1.iq(iqOf("get", xml("blocklist", { xmlns: BLOCKING })));
    assert.equal(list.getChild("blocklist", BLOCKING)?.children.length, 0);
    assert.equal(condition(await a1.iq(iqOf("set", xml("block", { xmlns: BLOCKING })))), "bad-request");
    assert.equal(
      condition(await a1.iq(iqOf("set", xml("block", { xmlns: BLOCKING }, ...items(["@bad"]))))),
      "jid-malformed",
    );
    const a2mark = a2.received.length;
    const mark = a1.received.length;
    const blocked = await a1.iq(iqOf("set", xml("block", { xmlns: BLOCKING }, ...items(["bob@localhost"]))));
    assert.equal(blocked.attrs.type, "result");
    const push = await a1.waitFor(
      (s) => s.attrs.type === "set" && s.getChild("block", BLOCKING) !== undefined,
      "push",
      3000,
      mark,
    );
    assert.equal(push.getChild("block")?.getChild("item")?.attrs.jid, "bob@localhost");
    await bob.waitFor(
      (s) => s.name === "presence" && s.attrs.from === a1.jid && s.attrs.type === "unavailable",
      "unavailable",
    );
    const now = await a1.iq(iqOf("get", xml("blocklist", { xmlns: BLOCKING })));
    assert.deepEqual(
      now
        .getChild("blocklist")
        ?.getChildren("item")
        .map((i) => i.attrs.jid),
      ["bob@localhost"],
    );

    // Inbound: a message and an IQ get are answered service-unavailable, presence dropped.
    const bobMark = bob.received.length;
    await bob.send(xml("message", { to: "alice@localhost", type: "chat", id: "m1" }, xml("body", {}, "hi")));
    const bounce = await bob.waitFor(
      (s) => s.name === "message" && s.attrs.id === "m1",
      "bounce",
      3000,
      bobMark,
    );
    assert.equal(condition(bounce), "service-unavailable");
    const vc = await bob.iq(iqOf("get", xml("vCard", { xmlns: "vcard-temp" }), "alice@localhost"));
    assert.equal(condition(vc), "service-unavailable");
    await bob.send(xml("presence", { to: "alice@localhost/a1" }));
    // Outbound: refused with not-acceptable and <blocked/>.
    const out = await a1.iq(iqOf("get", xml("vCard", { xmlns: "vcard-temp" }), "bob@localhost"));
    assert.equal(condition(out), "not-acceptable");
    assert.ok(out.getChild("error")?.getChild("blocked", "urn:xmpp:blocking:errors"));
    await a1.send(xml("message", { to: "bob@localhost/b", type: "chat", id: "m2" }, xml("body", {}, "x")));
    const refused = await a1.waitFor(
      (s) => s.name === "message" && s.attrs.id === "m2",
      "refusal",
      3000,
      mark,
    );
    assert.equal(condition(refused), "not-acceptable");
    await a1.assertNone(
      (s) => s.name === "presence" && s.attrs.from?.startsWith("bob@") === true,
      "bob's presence",
      200,
      mark,
    );
    await bob.assertNone((s) => s.name === "message" && s.attrs.id === "m2", "blocked message", 0, bobMark);
    // a2 never asked for the blocklist, so it got no push.
    await a2.assertNone(
      (s) => s.attrs.type === "set" && s.getChild("block", BLOCKING) !== undefined,
      "push",
      0,
      a2mark,
    );

    // Unblock all: an empty <unblock/> push, alice's current presence to bob, messages flow again.
    const bobMark2 = bob.received.length;
    const mark2 = a1.received.length;
    assert.equal((await a1.iq(iqOf("set", xml("unblock", { xmlns: BLOCKING })))).attrs.type, "result");
    const unpush = await a1.waitFor(
      (s) => s.attrs.type === "set" && s.getChild("unblock", BLOCKING) !== undefined,
      "push",
      3000,
      mark2,
    );
    assert.equal(unpush.getChild("unblock")?.children.length, 0);
    await bob.waitFor(
      (s) => s.name === "presence" && s.attrs.from === a1.jid && s.attrs.type === undefined,
      "presence again",
      3000,
      bobMark2,
    );
    await bob.send(xml("message", { to: a1.jid, type: "chat", id: "m3" }, xml("body", {}, "hello again")));
    await a1.waitFor(
      (s) => s.name === "message" && s.attrs.id === "m3" && s.attrs.type === "chat",
      "message",
      3000,
      mark2,
    );
  });
}

onEachStorage("account data", suite);
