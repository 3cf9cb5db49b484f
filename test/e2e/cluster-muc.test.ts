// End to end, MUC (XEP-0045) on a cluster of two nodes (one PostgreSQL schema, one Redis key prefix of
// this run's own): a room lives on the node that first got a stanza for it, and the other node's
// sessions reach it through that node: joins, chat both ways, private messages, a kick across nodes,
// a session ending on the other node, and the owner stopping: the room is taken over by the other
// node, loaded from the shared store with its history. Then a room whose node died (its owner key
// set to a node that does not listen): refused until that lease lapses, then taken over.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import type { TestServer } from "../helpers/xmpp-server.ts";
import { ChatClient, condition, xml } from "../helpers/chat-client.ts";
import { dropSchema, pgSkip, uniqueSchema } from "../helpers/postgres.ts";
import { REDIS_URL, dropPrefix, redisSkip, uniquePrefix } from "../helpers/redis.ts";
import { startNode, type ClusterSetup } from "../helpers/cluster.ts";
import {
  NS_MUC_USER,
  adminSet,
  codes,
  configSubmit,
  groupchat,
  item,
  join,
  presenceFrom,
} from "../helpers/muc-client.ts";

const skip = pgSkip !== false ? pgSkip : redisSkip;
const MUC = "conference.localhost";
const ROOM = `lounge@${MUC}`;
let api: TestAuthApi;
let setup: ClusterSetup;
const nodes: TestServer[] = [];
const clients: ChatClient[] = [];

before(async () => {
  if (skip !== false) return;
  api = await startAuthApi({
    "alice@localhost": "alice-pw",
    "bob@localhost": "bob-pw",
    "carol@localhost": "carol-pw",
  });
  setup = {
    schema: uniqueSchema("xha_cluster_muc"),
    prefix: uniquePrefix(),
    redis: REDIS_URL,
    authUrl: api.url,
  };
  for (const name of ["a", "b"])
    nodes.push(await startNode(setup, name, { components: { [MUC]: { module: "muc" } } }));
});

after(async () => {
  if (skip !== false) return;
  for (const c of clients) await c.stop();
  for (const n of nodes) await n.stop();
  await api.close();
  await dropSchema(setup.schema);
  await dropPrefix(setup.prefix);
});

const node = (i: number) => nodes[i] as TestServer;

async function online(i: number, user: string, resource: string): Promise<ChatClient> {
  const c = await ChatClient.login(node(i).port, user, `${user}-pw`, resource);
  clients.push(c);
  await c.send(xml("presence"));
  await c.iq(xml("iq", { type: "get", to: "localhost" }, xml("ping", { xmlns: "urn:xmpp:ping" })));
  return c;
}

async function redis<T>(fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

const owner = (room = ROOM) => redis((r) => r.get(`${setup.prefix}:owner:${room}`));

test(
  "a room lives on one node; occupants on both nodes chat, whisper, are kicked; it moves when its node stops",
  { skip },
  async () => {
    const alice = await online(0, "alice", "a1");
    const bob = await online(0, "bob", "b1");
    const carol = await online(1, "carol", "c1");

    // Created from node b: b owns it; a persistent, logged room (stored when configured).
    const created = await join(carol, `${ROOM}/Carol`);
    assert.deepEqual(codes(created).sort(), ["110", "201"]);
    assert.equal(await owner(), "b");
    const configured = await carol.iq(
      configSubmit(ROOM, {
        "muc#roomconfig_persistentroom": "1",
        "muc#roomconfig_enablelogging": "1",
        "muc#roomconfig_historylength": "5",
      }),
    );
    assert.equal(configured.attrs.type, "result");

    // Two occupants on node a join through node b; everyone sees everyone.
    let markC = carol.received.length;
    const aliceSelf = await join(alice, `${ROOM}/Alice`);
    assert.equal(item(aliceSelf)?.attrs.role, "participant");
    await presenceFrom(alice, `${ROOM}/Carol`, 0);
    assert.equal(item(await presenceFrom(carol, `${ROOM}/Alice`, markC))?.attrs.jid, alice.jid);
    markC = carol.received.length;
    const markA = alice.received.length;
    await join(bob, `${ROOM}/Bob`);
    await presenceFrom(carol, `${ROOM}/Bob`, markC);
    await presenceFrom(alice, `${ROOM}/Bob`, markA);
    assert.equal(await owner(), "b");

    // Chat both ways.
    let marks = [alice, bob, carol].map((c) => c.received.length);
    await alice.send(xml("message", { to: ROOM, type: "groupchat", id: "g1" }, xml("body", {}, "from a")));
    for (const [i, c] of [alice, bob, carol].entries())
      assert.equal((await groupchat(c, "from a", marks[i])).attrs.from, `${ROOM}/Alice`);
    marks = [alice, bob, carol].map((c) => c.received.length);
    await carol.send(xml("message", { to: ROOM, type: "groupchat" }, xml("body", {}, "from b")));
    for (const [i, c] of [alice, bob, carol].entries())
      assert.equal((await groupchat(c, "from b", marks[i])).attrs.from, `${ROOM}/Carol`);

    // §7.5 private messages across nodes, both ways.
    await bob.send(xml("message", { to: `${ROOM}/Carol`, type: "chat" }, xml("body", {}, "psst carol")));
    const pm = await carol.waitFor((s) => s.getChildText("body") === "psst carol", "bob's private message");
    assert.equal(pm.attrs.from, `${ROOM}/Bob`);
    assert.ok(pm.getChild("x", NS_MUC_USER));
    await carol.send(xml("message", { to: `${ROOM}/Alice`, type: "chat" }, xml("body", {}, "psst alice")));
    const pm2 = await alice.waitFor(
      (s) => s.getChildText("body") === "psst alice",
      "carol's private message",
    );
    assert.equal(pm2.attrs.from, `${ROOM}/Carol`);

    // §8.2 a moderator on node b kicks an occupant on node a; a sees it too.
    let markB = bob.received.length;
    let markA2 = alice.received.length;
    const kick = await carol.iq(adminSet(ROOM, { nick: "Bob", role: "none" }, "out"));
    assert.equal(kick.attrs.type, "result");
    const kicked = await presenceFrom(bob, `${ROOM}/Bob`, markB, (s) => s.attrs.type === "unavailable");
    assert.deepEqual(codes(kicked).sort(), ["110", "307"]);
    assert.deepEqual(
      codes(await presenceFrom(alice, `${ROOM}/Bob`, markA2, (s) => s.attrs.type === "unavailable")),
      ["307"],
    );

    // A moderator on node a (an admin) kicks back across nodes: bob rejoins, alice kicks him.
    await carol.iq(adminSet(ROOM, { jid: "alice@localhost", affiliation: "admin" }));
    await join(bob, `${ROOM}/Bob`);
    markB = bob.received.length;
    markC = carol.received.length;
    assert.equal((await alice.iq(adminSet(ROOM, { nick: "Bob", role: "none" }))).attrs.type, "result");
    await presenceFrom(bob, `${ROOM}/Bob`, markB, (s) => s.attrs.type === "unavailable");
    await presenceFrom(carol, `${ROOM}/Bob`, markC, (s) => s.attrs.type === "unavailable");

    // A session ending on node a leaves the room held on node b (§15.2 code 333, disconnected).
    await join(bob, `${ROOM}/Bob`);
    markC = carol.received.length;
    clients.splice(clients.indexOf(bob), 1);
    await bob.stop();
    const gone = await presenceFrom(carol, `${ROOM}/Bob`, markC, (s) => s.attrs.type === "unavailable");
    assert.deepEqual(codes(gone), ["333"]);

    // Broadcast unavailable presence on node a leaves it too (RFC 6121 §4.5.2).
    markC = carol.received.length;
    await alice.send(xml("presence", { type: "unavailable" }));
    await presenceFrom(carol, `${ROOM}/Alice`, markC, (s) => s.attrs.type === "unavailable");
    await alice.send(xml("presence"));
    await join(alice, `${ROOM}/Alice`);

    // Node b stops: alice is told the service went away (332) and rejoins on node a, which takes the
    // room over from the store, its history with it.
    markA2 = alice.received.length;
    clients.splice(clients.indexOf(carol), 1);
    await carol.stop();
    await node(1).stop();
    nodes.splice(1, 1);
    const out = await presenceFrom(alice, `${ROOM}/Alice`, markA2, (s) => s.attrs.type === "unavailable");
    assert.ok(codes(out).includes("332"));
    const mark = alice.received.length;
    const back = await join(alice, `${ROOM}/Alice`);
    assert.equal(back.attrs.type, undefined);
    assert.equal(item(back)?.attrs.affiliation, "admin");
    assert.equal(await owner(), "a");
    await alice.waitFor((s) => s.getChild("subject") !== undefined, "the subject after history", 5000, mark);
    const bodies = alice.received
      .slice(mark)
      .filter((s) => s.getChild("delay", "urn:xmpp:delay") !== undefined)
      .map((s) => s.getChildText("body"));
    assert.deepEqual(bodies, ["from a", "from b"]);
  },
);

test(
  "a room whose node died: refused until that node's lease lapses, then taken over from the store with no occupants",
  { skip },
  async () => {
    const alice = clients.find((c) => c.jid.startsWith("alice@")) ?? (await online(0, "alice", "a2"));
    const room = `phoenix@${MUC}`;
    await join(alice, `${room}/Alice`);
    await alice.iq(
      configSubmit(room, { "muc#roomconfig_persistentroom": "1", "muc#roomconfig_enablelogging": "1" }),
    );
    let mark = alice.received.length;
    await alice.send(xml("message", { to: room, type: "groupchat" }, xml("body", {}, "before")));
    await groupchat(alice, "before", mark);
    assert.equal(await owner(room), "a");

    // The room's node is now "z", which died: its lease has not lapsed yet, nobody listens on its channel.
    await redis((r) => r.set(`${setup.prefix}:owner:${room}`, "z"));
    await redis((r) => r.set(`${setup.prefix}:lease:z`, "1", "PX", 60_000));
    mark = alice.received.length;
    await alice.send(xml("message", { to: room, type: "groupchat", id: "lost" }, xml("body", {}, "lost")));
    const refused = await alice.waitFor(
      (s) => s.attrs.id === "lost" && s.attrs.type === "error",
      "an error",
      5000,
      mark,
    );
    assert.equal(condition(refused), "service-unavailable");

    // The lease lapses: the next stanza's node takes the room over, as stored, with nobody in it; a
    // XEP-0410 self-ping tells the client it is out, and it rejoins, the history there.
    await redis((r) => r.del(`${setup.prefix}:lease:z`));
    const ping = await alice.iq(
      xml("iq", { type: "get", to: `${room}/Alice` }, xml("ping", { xmlns: "urn:xmpp:ping" })),
    );
    assert.equal(condition(ping), "not-acceptable");
    assert.equal(await owner(room), "a");
    mark = alice.received.length;
    assert.equal((await join(alice, `${room}/Alice`)).attrs.type, undefined);
    await groupchat(alice, "before", mark);
  },
);
