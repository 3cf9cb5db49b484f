// XEP-0045 end to end with @xmpp/client over TCP (and one client over WebSocket's sibling, TCP here,
// real sockets throughout), on SQLite and PostgreSQL: rooms created instant and reserved, entry rules,
// chat, private messages, subject, moderation, invitations, nick changes, self-ping, destroy, account
// removal, and persistent rooms with their archive (XEP-0313) across a restart.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { onEachStorage } from "../helpers/chat-stores.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { ChatClient, condition, xml } from "../helpers/chat-client.ts";
import { WsRawClient } from "../helpers/ws-client.ts";
import {
  NS_MUC_ADMIN,
  NS_MUC_OWNER,
  NS_MUC_USER,
  adminSet,
  codes,
  configSubmit,
  groupchat,
  item,
  join,
  presenceFrom,
} from "../helpers/muc-client.ts";

const MUC = "conference.localhost";
const USERS = ["alice", "bob", "carol", "dave", "erin"];

function suite(storage: () => Record<string, unknown>, cleanup: () => Promise<void> = async () => {}): void {
  let api: TestAuthApi;
  let server: TestServer;
  let dataPath: string;
  const clients: ChatClient[] = [];
  const login = async (user: string, resource?: string) => {
    const c = await ChatClient.login(server.port, user, `${user}-pw`, resource);
    clients.push(c);
    await c.send(xml("presence"));
    // A round trip: the presence is processed before the test goes on.
    await c.iq(xml("iq", { type: "get", to: "localhost" }, xml("ping", { xmlns: "urn:xmpp:ping" })));
    return c;
  };
  const start = () =>
    startServer({
      certificate: TEST_CERT,
      key: TEST_KEY,
      ...storage(),
      data_path: dataPath,
      https_ports: [0],
      hosts: { localhost: { http_auth_url: api.url, allow_registration: true } },
      components: { [MUC]: { module: "muc", max_history_messages: 50 } },
    });

  before(async () => {
    api = await startAuthApi(Object.fromEntries(USERS.map((u) => [`${u}@localhost`, `${u}-pw`])));
    dataPath = mkdtempSync(joinPath(tmpdir(), "xha-muc-"));
    server = await start();
  });
  after(async () => {
    for (const c of clients) await c.stop();
    await server.stop();
    await api.close();
    rmSync(dataPath, { recursive: true, force: true });
    await cleanup();
  });

  test("an instant room: created locked (201), unlocked by an empty form; three occupants chat", async () => {
    const [alice, bob, carol] = [await login("alice"), await login("bob"), await login("carol")];
    const room = `instant@${MUC}`;
    const self = await join(alice, `${room}/Alice`);
    assert.deepEqual(codes(self).sort(), ["110", "201"]);
    assert.equal(item(self)?.attrs.affiliation, "owner");
    assert.equal(item(self)?.attrs.role, "moderator");
    // Locked until configured: others find no room.
    assert.equal(condition(await join(bob, `${room}/Bob`)), "item-not-found");
    const unlock = await alice.iq(
      xml(
        "iq",
        { type: "set", to: room },
        xml("query", { xmlns: NS_MUC_OWNER }, xml("x", { xmlns: "jabber:x:data", type: "submit" })),
      ),
    );
    assert.equal(unlock.attrs.type, "result");
    const mark = alice.received.length;
    const bobSelf = await join(bob, `${room}/Bob`);
    assert.equal(bobSelf.attrs.type, undefined);
    assert.equal(item(bobSelf)?.attrs.role, "participant");
    // Semi-anonymous: bob sees no real JIDs; alice (a moderator) sees bob's.
    const seen = await presenceFrom(alice, `${room}/Bob`, mark);
    assert.equal(item(seen)?.attrs.jid, bob.jid);
    await bob.waitFor((s) => s.name === "presence" && s.attrs.from === `${room}/Alice`, "alice's presence");
    assert.equal(item(bob.received.find((s) => s.attrs.from === `${room}/Alice`)!)?.attrs.jid, undefined);
    await join(carol, `${room}/Carol`);
    // The subject comes after entering, empty when none.
    await carol.waitFor(
      (s) => s.name === "message" && s.getChild("subject") !== undefined,
      "the (empty) subject",
    );
    const marks = [alice, bob, carol].map((c) => c.received.length);
    await bob.send(xml("message", { to: room, type: "groupchat", id: "m1" }, xml("body", {}, "hello room")));
    for (const [i, c] of [alice, bob, carol].entries()) {
      const m = await groupchat(c, "hello room", marks[i]);
      assert.equal(m.attrs.from, `${room}/Bob`);
      assert.equal(m.attrs.id, "m1");
      assert.equal(m.getChild("stanza-id", "urn:xmpp:sid:0")?.attrs.by, room);
    }
    // §7.5: a private message, and one to a nick nobody has.
    await carol.send(xml("message", { to: `${room}/Bob`, type: "chat" }, xml("body", {}, "psst")));
    const pm = await bob.waitFor((s) => s.getChildText("body") === "psst", "the private message");
    assert.equal(pm.attrs.from, `${room}/Carol`);
    assert.ok(pm.getChild("x", NS_MUC_USER));
    const mark2 = carol.received.length;
    await carol.send(xml("message", { to: `${room}/Nobody`, type: "chat" }, xml("body", {}, "?")));
    const err = await carol.waitFor(
      (s) => s.name === "message" && s.attrs.type === "error",
      "an error",
      3000,
      mark2,
    );
    assert.equal(condition(err), "item-not-found");
    // §8.1: the owner sets the subject; a participant may not.
    await alice.send(xml("message", { to: room, type: "groupchat" }, xml("subject", {}, "Plans")));
    const subj = await carol.waitFor((s) => s.getChildText("subject") === "Plans", "the subject");
    assert.equal(subj.attrs.from, `${room}/Alice`);
    const mark3 = bob.received.length;
    await bob.send(xml("message", { to: room, type: "groupchat" }, xml("subject", {}, "Mine")));
    assert.equal(
      condition(await bob.waitFor((s) => s.attrs.type === "error", "an error", 3000, mark3)),
      "forbidden",
    );
    // A stranger cannot speak in the room.
    const dave = await login("dave");
    await dave.send(xml("message", { to: room, type: "groupchat" }, xml("body", {}, "hi")));
    assert.equal(
      condition(await dave.waitFor((s) => s.attrs.type === "error", "an error")),
      "not-acceptable",
    );
  });

  test("an occupant over WebSocket (RFC 7395) enters, chats and gets private messages", async () => {
    const alice = await login("alice", "ws1");
    const room = `websocket@${MUC}`;
    await join(alice, `${room}/A`);
    await alice.iq(configSubmit(room, {}));
    const ws = await WsRawClient.connect(`wss://localhost:${server.httpsPort}/xmpp-websocket`);
    try {
      await ws.login("bob", "bob-pw", "ws");
      ws.send(
        `<presence xmlns='jabber:client' to='${room}/W'><x xmlns='http://jabber.org/protocol/muc'/></presence>`,
      );
      await ws.waitFor(/<presence\b[^>]*from="websocket@conference\.localhost\/W"[\s\S]*code="110"/);
      const mark = alice.received.length;
      ws.send(`<message xmlns='jabber:client' to='${room}' type='groupchat'><body>from ws</body></message>`);
      await groupchat(alice, "from ws", mark);
      await alice.send(xml("message", { to: `${room}/W`, type: "chat" }, xml("body", {}, "to ws")));
      await ws.waitFor(/<message\b[^>]*from="websocket@conference\.localhost\/A"[\s\S]*to ws/);
      // A broadcast unavailable presence leaves the room (RFC 6121 §4.5.2); entering again works.
      const mark2 = alice.received.length;
      ws.send("<presence xmlns='jabber:client' type='unavailable'/>");
      await presenceFrom(alice, `${room}/W`, mark2, (s) => s.attrs.type === "unavailable");
      ws.send(
        `<presence xmlns='jabber:client' to='${room}/W'><x xmlns='http://jabber.org/protocol/muc'/></presence>`,
      );
      await presenceFrom(alice, `${room}/W`, mark2, (s) => s.attrs.type === undefined);
    } finally {
      ws.close();
    }
    // The WebSocket session's end makes its occupant leave.
    await alice.waitFor(
      (s) => s.attrs.from === `${room}/W` && s.attrs.type === "unavailable" && codes(s).includes("333"),
      "the WebSocket occupant leaving with 333",
    );
  });

  test("nick change (303) and nick conflict; exit; self-ping (XEP-0410)", async () => {
    const [alice, bob] = [await login("alice", "n1"), await login("bob", "n1")];
    const room = `nicks@${MUC}`;
    await join(alice, `${room}/A`);
    await alice.iq(configSubmit(room, {}));
    await join(bob, `${room}/B`);
    assert.equal(condition(await join(alice, `${room}/B`)), "conflict");
    assert.equal(condition(await join(alice, `${room}/${"n".repeat(24)}`)), "not-acceptable");
    const mark = alice.received.length;
    await bob.send(xml("presence", { to: `${room}/Bobby` }));
    const gone = await presenceFrom(alice, `${room}/B`, mark, (s) => s.attrs.type === "unavailable");
    assert.deepEqual(codes(gone), ["303"]);
    assert.equal(item(gone)?.attrs.nick, "Bobby");
    await presenceFrom(alice, `${room}/Bobby`, mark, (s) => s.attrs.type === undefined);
    const ping = (c: ChatClient, to: string) =>
      c.iq(xml("iq", { type: "get", to }, xml("ping", { xmlns: "urn:xmpp:ping" })));
    assert.equal((await ping(bob, `${room}/Bobby`)).attrs.type, "result");
    const carol = await login("carol", "n1");
    assert.equal(condition(await ping(carol, `${room}/Bobby`)), "not-acceptable");
    const mark2 = alice.received.length;
    await bob.send(xml("presence", { to: `${room}/Bobby`, type: "unavailable" }));
    await presenceFrom(alice, `${room}/Bobby`, mark2, (s) => s.attrs.type === "unavailable");
    assert.equal(condition(await ping(bob, `${room}/Bobby`)), "not-acceptable");
  });

  test("a reserved room: form, members-only, password, membership by the owner", async () => {
    const [alice, bob, carol] = [
      await login("alice", "r"),
      await login("bob", "r"),
      await login("carol", "r"),
    ];
    const room = `reserved@${MUC}`;
    await join(alice, `${room}/A`);
    const form = await alice.iq(xml("iq", { type: "get", to: room }, xml("query", { xmlns: NS_MUC_OWNER })));
    const vars = form
      .getChild("query")
      ?.getChild("x", "jabber:x:data")
      ?.getChildren("field")
      .map((f) => f.attrs.var);
    assert.ok(vars?.includes("muc#roomconfig_membersonly"));
    const r = await alice.iq(
      configSubmit(room, {
        "muc#roomconfig_roomname": "Reserved",
        "muc#roomconfig_membersonly": "1",
        "muc#roomconfig_passwordprotectedroom": "1",
        "muc#roomconfig_roomsecret": "s3cret",
      }),
    );
    assert.equal(r.attrs.type, "result");
    assert.equal(condition(await join(bob, `${room}/B`)), "registration-required");
    // Only an existing account becomes a member (the auth API's user_exists).
    const ghost = await alice.iq(adminSet(room, { jid: "ghost@localhost", affiliation: "member" }));
    assert.equal(condition(ghost), "item-not-found");
    assert.equal(
      (await alice.iq(adminSet(room, { jid: "bob@localhost", affiliation: "member" }))).attrs.type,
      "result",
    );
    assert.equal(condition(await join(bob, `${room}/B`)), "not-authorized");
    const ok = await join(bob, `${room}/B`, { password: "s3cret" });
    assert.equal(item(ok)?.attrs.affiliation, "member");
    // A member may not list members; the owner can.
    const list = xml(
      "iq",
      { type: "get", to: room },
      xml("query", { xmlns: NS_MUC_ADMIN }, xml("item", { affiliation: "member" })),
    );
    assert.equal(condition(await bob.iq(list)), "forbidden");
    const members = await alice.iq(
      xml(
        "iq",
        { type: "get", to: room },
        xml("query", { xmlns: NS_MUC_ADMIN }, xml("item", { affiliation: "member" })),
      ),
    );
    assert.deepEqual(
      members
        .getChild("query")
        ?.getChildren("item")
        .map((i) => i.attrs.jid),
      ["bob@localhost"],
    );
    // A mediated invitation by the owner makes carol a member (§9.3).
    await alice.send(
      xml(
        "message",
        { to: room },
        xml(
          "x",
          { xmlns: NS_MUC_USER },
          xml("invite", { to: "carol@localhost" }, xml("reason", {}, "join us")),
        ),
      ),
    );
    const invite = await carol.waitFor(
      (s) => s.getChild("x", NS_MUC_USER)?.getChild("invite") !== undefined,
      "the invitation",
    );
    assert.equal(invite.attrs.from, room);
    assert.equal(invite.getChild("x", NS_MUC_USER)?.getChild("invite")?.attrs.from, "alice@localhost");
    assert.equal(invite.getChild("x", NS_MUC_USER)?.getChildText("password"), "s3cret");
    assert.equal(item(await join(carol, `${room}/C`, { password: "s3cret" }))?.attrs.affiliation, "member");
    // Removing a member from a members-only room removes the occupant (321).
    const mark = bob.received.length;
    await alice.iq(adminSet(room, { jid: "carol@localhost", affiliation: "none" }));
    const out = await presenceFrom(bob, `${room}/C`, mark, (s) => s.attrs.type === "unavailable");
    assert.deepEqual(codes(out), ["321"]);
    // XEP-0249: a direct invitation is a message between users, routed as chat.
    const dave = await login("dave", "r");
    const markD = dave.received.length;
    await alice.send(
      xml(
        "message",
        { to: "dave@localhost" },
        xml("x", { xmlns: "jabber:x:conference", jid: room, password: "s3cret" }),
      ),
    );
    const direct = await dave.waitFor(
      (s) => s.getChild("x", "jabber:x:conference") !== undefined,
      "the direct invitation",
      3000,
      markD,
    );
    assert.equal(direct.getChild("x", "jabber:x:conference")?.attrs.jid, room);
  });

  test("moderation: visitors in a moderated room, voice, kick (307), ban (301)", async () => {
    const [alice, bob, carol] = [
      await login("alice", "m"),
      await login("bob", "m"),
      await login("carol", "m"),
    ];
    const room = `moderated@${MUC}`;
    await join(alice, `${room}/A`);
    await alice.iq(configSubmit(room, { "muc#roomconfig_moderatedroom": "1" }));
    await join(bob, `${room}/B`);
    assert.equal(item(await join(carol, `${room}/C`))?.attrs.role, "visitor");
    const mark = carol.received.length;
    await carol.send(xml("message", { to: room, type: "groupchat" }, xml("body", {}, "can I?")));
    assert.equal(
      condition(await carol.waitFor((s) => s.attrs.type === "error", "an error", 3000, mark)),
      "forbidden",
    );
    // A participant cannot moderate.
    assert.equal(condition(await bob.iq(adminSet(room, { nick: "C", role: "participant" }))), "forbidden");
    assert.equal((await alice.iq(adminSet(room, { nick: "C", role: "participant" }))).attrs.type, "result");
    await carol.send(xml("message", { to: room, type: "groupchat" }, xml("body", {}, "now I can")));
    await groupchat(bob, "now I can");
    // Kick: the occupant and the others learn of it with 307 and the actor.
    const markB = bob.received.length;
    const markC = carol.received.length;
    await alice.iq(adminSet(room, { nick: "C", role: "none" }, "calm down"));
    const kicked = await presenceFrom(carol, `${room}/C`, markC, (s) => s.attrs.type === "unavailable");
    assert.deepEqual(codes(kicked).sort(), ["110", "307"]);
    assert.equal(item(kicked)?.getChildText("reason"), "calm down");
    assert.deepEqual(
      codes(await presenceFrom(bob, `${room}/C`, markB, (s) => s.attrs.type === "unavailable")),
      ["307"],
    );
    // The owner cannot be kicked by anyone.
    await join(carol, `${room}/C`);
    assert.equal(condition(await alice.iq(adminSet(room, { nick: "A", role: "none" }))), "not-allowed");
    // Ban: out with 301, and kept out.
    const markB2 = bob.received.length;
    await alice.iq(adminSet(room, { jid: "carol@localhost", affiliation: "outcast" }));
    assert.deepEqual(
      codes(await presenceFrom(bob, `${room}/C`, markB2, (s) => s.attrs.type === "unavailable")),
      ["301"],
    );
    assert.equal(condition(await join(carol, `${room}/C`)), "forbidden");
  });

  test("destroy with an alternate venue; the service lists public rooms; the host lists the service", async () => {
    const [alice, bob] = [await login("alice", "d"), await login("bob", "d")];
    const room = `doomed@${MUC}`;
    await join(alice, `${room}/A`);
    await alice.iq(configSubmit(room, { "muc#roomconfig_roomname": "Doomed" }));
    await join(bob, `${room}/B`);
    const items = await bob.iq(
      xml("iq", { type: "get", to: MUC }, xml("query", { xmlns: "http://jabber.org/protocol/disco#items" })),
    );
    assert.ok(
      items
        .getChild("query")
        ?.getChildren("item")
        .some((i) => i.attrs.jid === room && i.attrs.name === "Doomed"),
    );
    const hostItems = await bob.iq(
      xml(
        "iq",
        { type: "get", to: "localhost" },
        xml("query", { xmlns: "http://jabber.org/protocol/disco#items" }),
      ),
    );
    assert.ok(
      hostItems
        .getChild("query")
        ?.getChildren("item")
        .some((i) => i.attrs.jid === MUC),
    );
    const info = await bob.iq(
      xml("iq", { type: "get", to: room }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })),
    );
    const features = info
      .getChild("query")
      ?.getChildren("feature")
      .map((f) => f.attrs.var);
    assert.ok(features?.includes("http://jabber.org/protocol/muc") && features.includes("muc_temporary"));
    assert.equal(
      condition(
        await bob.iq(
          xml("iq", { type: "set", to: room }, xml("query", { xmlns: NS_MUC_OWNER }, xml("destroy"))),
        ),
      ),
      "forbidden",
    );
    const mark = bob.received.length;
    const r = await alice.iq(
      xml(
        "iq",
        { type: "set", to: room },
        xml(
          "query",
          { xmlns: NS_MUC_OWNER },
          xml("destroy", { jid: `elsewhere@${MUC}` }, xml("reason", {}, "moved")),
        ),
      ),
    );
    assert.equal(r.attrs.type, "result");
    const out = await presenceFrom(bob, `${room}/B`, mark, (s) => s.attrs.type === "unavailable");
    const destroy = out.getChild("x", NS_MUC_USER)?.getChild("destroy");
    assert.equal(destroy?.attrs.jid, `elsewhere@${MUC}`);
    assert.equal(destroy?.getChildText("reason"), "moved");
    const gone = await bob.iq(
      xml("iq", { type: "get", to: room }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })),
    );
    assert.equal(condition(gone), "item-not-found");
  });

  test("a removed account (XEP-0077) leaves every room", async () => {
    const [alice, erin] = [await login("alice", "x"), await login("erin", "x")];
    const room = `removal@${MUC}`;
    await join(alice, `${room}/A`);
    await alice.iq(configSubmit(room, {}));
    await join(erin, `${room}/E`);
    const mark = alice.received.length;
    await erin.send(
      xml("iq", { type: "set", id: "rm" }, xml("query", { xmlns: "jabber:iq:register" }, xml("remove"))),
    );
    const out = await presenceFrom(alice, `${room}/E`, mark, (s) => s.attrs.type === "unavailable");
    assert.ok(codes(out).length > 0);
  });

  test("a persistent, archived room keeps its config, subject and history across a restart; MAM on the room", async () => {
    const alice = await login("alice", "p");
    const room = `lasting@${MUC}`;
    await join(alice, `${room}/A`);
    await alice.iq(
      configSubmit(room, {
        "muc#roomconfig_persistentroom": "1",
        "muc#roomconfig_enablelogging": "1",
        "muc#roomconfig_roomname": "Lasting",
        "muc#roomconfig_historylength": "3",
      }),
    );
    await alice.iq(adminSet(room, { jid: "bob@localhost", affiliation: "admin" }));
    const set = await alice.iq(
      xml(
        "iq",
        { type: "set", to: room },
        xml("vCard", { xmlns: "vcard-temp" }, xml("FN", {}, "Lasting room")),
      ),
    );
    assert.equal(set.attrs.type, "result");
    await alice.send(xml("message", { to: room, type: "groupchat" }, xml("subject", {}, "Kept")));
    for (let i = 1; i <= 5; i++)
      await alice.send(xml("message", { to: room, type: "groupchat" }, xml("body", {}, `m${i}`)));
    await groupchat(alice, "m5");
    for (const c of clients.splice(0)) await c.stop();
    await server.stop();
    server = await start();
    const bob = await login("bob", "p2");
    const self = await join(bob, `${room}/B`, {});
    assert.equal(item(self)?.attrs.affiliation, "admin");
    assert.ok(codes(self).includes("170"), "logging announced");
    const history = await bob.waitFor((s) => s.getChildText("subject") === "Kept", "the kept subject");
    assert.ok(history);
    const bodies = bob.received
      .filter((s) => s.getChild("delay", "urn:xmpp:delay") !== undefined)
      .map((s) => s.getChildText("body"));
    assert.deepEqual(bodies, ["m3", "m4", "m5"]);
    const info = await bob.iq(
      xml("iq", { type: "get", to: room }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })),
    );
    assert.ok(
      info
        .getChild("query")
        ?.getChildren("feature")
        .some((f) => f.attrs.var === "muc_persistent"),
    );
    // The room's vCard (set before the restart) is kept; only owners set it.
    const card = await bob.iq(xml("iq", { type: "get", to: room }, xml("vCard", { xmlns: "vcard-temp" })));
    assert.equal(card.getChild("vCard", "vcard-temp")?.getChildText("FN"), "Lasting room");
    const denied = await bob.iq(xml("iq", { type: "set", to: room }, xml("vCard", { xmlns: "vcard-temp" })));
    assert.equal(condition(denied), "forbidden");
    // XEP-0313 on the room JID: two pages of two, then the rest.
    const query = (set: ReturnType<typeof xml>[], qid: string) =>
      xml(
        "iq",
        { type: "set", to: room },
        xml(
          "query",
          { xmlns: "urn:xmpp:mam:2", queryid: qid },
          xml("set", { xmlns: "http://jabber.org/protocol/rsm" }, ...set),
        ),
      );
    const mark = bob.received.length;
    const fin1 = await bob.iq(query([xml("max", {}, "2")], "q1"));
    const page1 = bob.received
      .slice(mark)
      .filter((s) => s.getChild("result", "urn:xmpp:mam:2")?.attrs.queryid === "q1");
    assert.deepEqual(
      page1.map((s) =>
        s.getChild("result")?.getChild("forwarded")?.getChild("message")?.getChildText("body"),
      ),
      ["m1", "m2"],
    );
    const fin = fin1.getChild("fin", "urn:xmpp:mam:2");
    assert.notEqual(fin?.attrs.complete, "true");
    const last = fin?.getChild("set")?.getChildText("last") ?? "";
    const mark2 = bob.received.length;
    const fin2 = await bob.iq(query([xml("max", {}, "10"), xml("after", {}, last)], "q2"));
    const page2 = bob.received
      .slice(mark2)
      .filter((s) => s.getChild("result", "urn:xmpp:mam:2")?.attrs.queryid === "q2");
    assert.deepEqual(
      page2.map((s) =>
        s.getChild("result")?.getChild("forwarded")?.getChild("message")?.getChildText("body"),
      ),
      ["m3", "m4", "m5"],
    );
    assert.equal(fin2.getChild("fin")?.attrs.complete, "true");
    const bad = await bob.iq(query([xml("after", {}, "no-such-id")], "q3"));
    assert.equal(condition(bad), "item-not-found");
  });
}

onEachStorage("MUC", suite);

describe("MUC room creation limits", () => {
  let api: TestAuthApi;
  let server: TestServer;
  const clients: ChatClient[] = [];
  const dataPath = mkdtempSync(joinPath(tmpdir(), "xha-muc-limits-"));
  const start = () =>
    startServer({
      certificate: TEST_CERT,
      key: TEST_KEY,
      data_path: dataPath,
      hosts: { localhost: { http_auth_url: api.url } },
      components: {
        [MUC]: {
          module: "muc",
          restrict_room_creation: "admin",
          admins: ["alice@localhost"],
          muc_max_rooms: 1,
          muc_room_locking: false,
          muc_room_default_persistent: true,
        },
      },
    });
  before(async () => {
    api = await startAuthApi({ "alice@localhost": "alice-pw", "bob@localhost": "bob-pw" });
    server = await start();
  });
  after(async () => {
    for (const c of clients) await c.stop();
    await server.stop();
    await api.close();
    rmSync(dataPath, { recursive: true, force: true });
  });

  test('restrict_room_creation = "admin" and muc_max_rooms', async () => {
    const alice = await ChatClient.login(server.port, "alice", "alice-pw");
    const bob = await ChatClient.login(server.port, "bob", "bob-pw");
    clients.push(alice, bob);
    assert.equal(condition(await join(bob, `bobs@${MUC}/B`)), "not-allowed");
    const own = await join(alice, `first@${MUC}/A`);
    assert.ok(codes(own).includes("201"));
    assert.equal(condition(await join(alice, `second@${MUC}/A`)), "resource-constraint");
    // Without room locking the room is open at once, and stored at once when persistent by default.
    assert.equal(item(await join(bob, `first@${MUC}/B`))?.attrs.affiliation, "none");
    for (const c of clients.splice(0)) await c.stop();
    await server.stop();
    server = await start();
    const carol = await ChatClient.login(server.port, "bob", "bob-pw");
    clients.push(carol);
    const info = await carol.iq(
      xml(
        "iq",
        { type: "get", to: `first@${MUC}` },
        xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }),
      ),
    );
    assert.equal(info.attrs.type, "result");
  });
});
