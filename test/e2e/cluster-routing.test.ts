// End to end, a cluster of three nodes on one PostgreSQL schema and one Redis (a key prefix of this
// run's own): real clients on different nodes chat to bare and full JIDs, subscribe and see each
// other's presence, get roster pushes and carbons across nodes; one full JID bound on two nodes
// keeps the newer session; a password change and account removal end the account's other sessions on
// every node.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import type { TestServer } from "../helpers/xmpp-server.ts";
import { ChatClient, isPresence, rosterItem, xml, type XmlElement } from "../helpers/chat-client.ts";
import { dropSchema, pgSkip, uniqueSchema } from "../helpers/postgres.ts";
import { REDIS_URL, dropPrefix, redisSkip, uniquePrefix } from "../helpers/redis.ts";
import { seenEverywhere as seenOn, startNode, type ClusterSetup } from "../helpers/cluster.ts";

const skip = pgSkip !== false ? pgSkip : redisSkip;
const users = ["alice", "bob", "carol", "dave", "erin", "fay"];
let api: TestAuthApi;
let setup: ClusterSetup;
const nodes: TestServer[] = [];

before(async () => {
  if (skip !== false) return;
  api = await startAuthApi(Object.fromEntries(users.map((u) => [`${u}@localhost`, `${u}-pw`])));
  setup = { schema: uniqueSchema("xha_cluster"), prefix: uniquePrefix(), redis: REDIS_URL, authUrl: api.url };
  for (const name of ["n1", "n2", "n3"]) nodes.push(await startNode(setup, name));
});

after(async () => {
  if (skip !== false) return;
  for (const n of nodes) await n.stop();
  await api.close();
  await dropSchema(setup.schema);
  await dropPrefix(setup.prefix);
});

const node = (i: number) => nodes[i] as TestServer;
/** Stops a client for good: no reconnection attempt after a stream error. */
async function end(...clients: ChatClient[]): Promise<void> {
  for (const c of clients) {
    (c.xmpp as unknown as { reconnect?: { stop(): void } }).reconnect?.stop();
    await c.stop();
  }
}
const chat = (to: string, body: string) => xml("message", { to, type: "chat" }, xml("body", {}, body));
const isBody = (body: string) => (s: XmlElement) => s.name === "message" && s.getChildText("body") === body;
const roster = (c: ChatClient) =>
  c.iq(xml("iq", { type: "get" }, xml("query", { xmlns: "jabber:iq:roster" })));

async function online(i: number, user: string, resource?: string): Promise<ChatClient> {
  const c = await ChatClient.login(node(i).port, user, `${user}-pw`, resource);
  await roster(c);
  await c.send(xml("presence"));
  await c.waitFor(isPresence(c.jid), "own presence echoed");
  return c;
}

const seenEverywhere = (bare: string, n: number) => seenOn(nodes, bare, n);

test(
  "messages cross nodes both ways, to bare and full JIDs; IQs reach a full JID on another node",
  { skip },
  async () => {
    const a = await online(0, "alice", "a1");
    const b = await online(1, "bob", "b1");
    try {
      await seenEverywhere("alice@localhost", 1);
      await seenEverywhere("bob@localhost", 1);
      await a.send(chat("bob@localhost", "bare, n1 to n2"));
      assert.equal((await b.waitFor(isBody("bare, n1 to n2"), "bare message")).attrs.from, a.jid);
      await b.send(chat(a.jid, "full, n2 to n1"));
      assert.equal((await a.waitFor(isBody("full, n2 to n1"), "full message")).attrs.from, b.jid);
      // XEP-0199 ping to the other client's full JID: forwarded, and its answer routed back.
      b.xmpp.iqCallee.get("urn:xmpp:ping", "ping", () => ({}));
      const pong = await a.iq(xml("iq", { type: "get", to: b.jid }, xml("ping", { xmlns: "urn:xmpp:ping" })));
      assert.equal(pong.attrs.type, "result");
      assert.equal(pong.attrs.from, b.jid);
      const routed = (await (await fetchMetrics(0)).text()).match(
        /xha_cluster_routed_total\{node="n1",direction="out"\} (\d+)/,
      );
      assert.ok(Number(routed?.[1]) >= 2, "n1 counts what it routed out");
    } finally {
      await end(a, b);
    }
  },
);

function fetchMetrics(i: number): Promise<Response> {
  return fetch(`http://127.0.0.1:${node(i).httpPort}/metrics`);
}

test(
  "subscription, presence and roster pushes across three nodes; carbons to a resource on another node",
  { skip },
  async () => {
    const c1 = await online(0, "carol", "one");
    const c2 = await online(2, "carol", "two");
    const d = await online(1, "dave", "d");
    try {
      await seenEverywhere("carol@localhost", 2);
      await seenEverywhere("dave@localhost", 1);
      // carol (n1) subscribes to dave (n2); dave approves; each side's other resource gets the pushes.
      await c1.send(xml("presence", { to: "dave@localhost", type: "subscribe" }));
      await d.waitFor((s) => s.name === "presence" && s.attrs.type === "subscribe", "subscription request");
      await c2.waitFor(
        (s) => s.name === "iq" && rosterItem(s, "dave@localhost")?.attrs.ask === "subscribe",
        "roster push on n3",
      );
      await d.send(xml("presence", { to: "carol@localhost", type: "subscribed" }));
      await c2.waitFor(
        (s) => s.name === "iq" && rosterItem(s, "dave@localhost")?.attrs.subscription === "to",
        "roster push: subscription to",
      );
      // dave's presence reaches both carol resources, on n1 and n3.
      await c1.waitFor(isPresence(d.jid), "dave's presence on n1");
      await c2.waitFor(isPresence(d.jid), "dave's presence on n3");
      // Carbons: carol/two (n3) enables them and sees what carol/one (n1) sends.
      const en = await c2.iq(xml("iq", { type: "set" }, xml("enable", { xmlns: "urn:xmpp:carbons:2" })));
      assert.equal(en.attrs.type, "result");
      await waitUntil(
        () => node(0).server.ctx.sessions.get("carol@localhost", "two")?.state.carbons === true,
      );
      await c1.send(chat(d.jid, "with a carbon"));
      await d.waitFor(isBody("with a carbon"), "the message");
      const sent = await c2.waitFor(
        (s) => s.getChild("sent", "urn:xmpp:carbons:2") !== undefined,
        "sent carbon",
      );
      assert.equal(
        sent.getChild("sent")?.getChild("forwarded")?.getChild("message")?.getChildText("body"),
        "with a carbon",
      );
      // dave goes offline: both carol resources see it.
      await d.send(xml("presence", { type: "unavailable" }));
      await c1.waitFor(isPresence(d.jid, "unavailable"), "unavailable on n1");
      await c2.waitFor(isPresence(d.jid, "unavailable"), "unavailable on n3");
    } finally {
      await end(c1, c2, d);
    }
  },
);

async function waitUntil(cond: () => boolean, what = "a condition", ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("one full JID bound on two nodes: the older session is ended with conflict", { skip }, async () => {
  const first = await online(0, "erin", "same");
  await seenEverywhere("erin@localhost", 1);
  const closed = new Promise<string>((resolve) =>
    first.xmpp.on("error", (err: Error) => resolve(err.message)),
  );
  const second = await online(1, "erin", "same");
  try {
    assert.match(await closed, /conflict/);
    await seenEverywhere("erin@localhost", 1);
    assert.equal(node(2).server.ctx.sessions.get("erin@localhost", "same")?.node, "n2");
  } finally {
    await end(first, second);
  }
});

test(
  "a password change ends the account's sessions on the other nodes with reset; the changing one stays",
  { skip },
  async () => {
    const here = await online(0, "fay", "here");
    const near = await online(0, "fay", "near");
    const there = await online(1, "fay", "there");
    await seenEverywhere("fay@localhost", 3);
    const ended = (c: ChatClient) =>
      new Promise<string>((resolve) => c.xmpp.on("error", (err: Error) => resolve(err.message)));
    const [nearEnded, thereEnded] = [ended(near), ended(there)];
    try {
      const q = xml(
        "query",
        { xmlns: "jabber:iq:register" },
        xml("username", {}, "fay"),
        xml("password", {}, "fay-new"),
      );
      await here.iq(xml("iq", { type: "set" }, q));
      assert.match(await nearEnded, /reset/);
      assert.match(await thereEnded, /reset/);
      await seenEverywhere("fay@localhost", 1);
      await here.iq(xml("iq", { type: "get" }, xml("ping", { xmlns: "urn:xmpp:ping" })));
    } finally {
      await end(here, near, there);
    }
  },
);

test(
  "removing an account ends its sessions on every node; the hook fires on every node",
  { skip },
  async () => {
    const removed: string[] = [];
    for (const [i, n] of nodes.entries())
      n.server.ctx.hooks.accountRemoved.add((bare) => removed.push(`n${i + 1}:${bare}`));
    const here = await online(0, "bob", "here");
    const there = await online(2, "bob", "there");
    await seenEverywhere("bob@localhost", 2);
    const ended = new Promise<string>((resolve) =>
      there.xmpp.on("error", (err: Error) => resolve(err.message)),
    );
    try {
      const q = xml("query", { xmlns: "jabber:iq:register" }, xml("remove"));
      await here.send(xml("iq", { type: "set", id: "rm" }, q));
      assert.match(await ended, /not-authorized/);
      await waitUntil(() => removed.length === 3, "the hook on three nodes");
      assert.deepEqual(removed.sort(), ["n1:bob@localhost", "n2:bob@localhost", "n3:bob@localhost"]);
    } finally {
      await end(here, there);
    }
  },
);
