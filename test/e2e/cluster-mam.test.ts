// End to end, XEP-0313 in a cluster of two nodes on one PostgreSQL schema and one Redis: a message
// from a client on one node to a client on the other is archived for both; each queries its archive
// on another node than the one it chatted on and finds the message under the id delivered live, and
// a device on the first node gets the archived message as a carbon.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChatClient, xml, type XmlElement } from "../helpers/chat-client.ts";
import { clusterSkip, seenEverywhere as seenOn, useCluster } from "../helpers/cluster.ts";

const skip = clusterSkip;
const MAM = "urn:xmpp:mam:2";
const SID = "urn:xmpp:sid:0";
const { nodes, online } = useCluster("xha_cluster_mam", ["m1", "m2"]);
const seenEverywhere = (bare: string, n: number) => seenOn(nodes, bare, n);

const idBy = (s: XmlElement | undefined, by: string) =>
  s?.getChildren("stanza-id", SID).find((e) => e.attrs.by === by)?.attrs.id;

async function archiveIds(c: ChatClient): Promise<string[]> {
  const mark = c.received.length;
  const r = await c.iq(xml("iq", { type: "set" }, xml("query", { xmlns: MAM, queryid: "cq" })));
  assert.equal(r.attrs.type, "result");
  return c.received
    .slice(mark)
    .map((s) => s.getChild("result", MAM))
    .filter((x): x is XmlElement => x?.attrs.queryid === "cq")
    .map((x) => x.attrs.id ?? "");
}

test(
  "archived across nodes, read on either node, carbons of archived messages cross nodes",
  { skip },
  async () => {
    const alice = await online(0, "alice", "a1");
    const bob = await online(1, "bob", "b1");
    const bobOther = await online(0, "bob", "b2");
    const carbons = await bobOther.iq(
      xml("iq", { type: "set" }, xml("enable", { xmlns: "urn:xmpp:carbons:2" })),
    );
    assert.equal(carbons.attrs.type, "result");
    await seenEverywhere("bob@localhost", 2);
    await seenEverywhere("alice@localhost", 1);
    await alice.send(xml("message", { to: bob.jid, type: "chat" }, xml("body", {}, "across")));
    const got = await bob.waitFor((s) => s.getChildText("body") === "across", "the message on m2");
    const bobsId = idBy(got, "bob@localhost");
    assert.ok(bobsId);
    // Bob's other device, on m1, gets the message to b1 (on m2) as a carbon with the same id.
    const carbon = await bobOther.waitFor(
      (s) => s.getChild("received", "urn:xmpp:carbons:2") !== undefined,
      "received carbon on m1",
    );
    assert.equal(
      idBy(carbon.getChild("received")?.getChild("forwarded")?.getChild("message"), "bob@localhost"),
      bobsId,
    );
    // Each reads its archive on the node it did not chat on.
    const aliceOnM2 = await online(1, "alice", "a2");
    assert.equal((await archiveIds(aliceOnM2)).length, 1);
    assert.deepEqual(await archiveIds(bobOther), [bobsId]);
  },
);

test(
  "prefs set on one node apply at once to messages archived by another (its cache is dropped)",
  { skip },
  async () => {
    const alice = await online(0, "alice", "a3");
    const bob = await online(1, "bob", "b3");
    // a1 and a2 are still online from the test before.
    await seenEverywhere("alice@localhost", 3);
    // m2 archives bob's message for alice, and keeps alice's prefs (none set: always).
    await bob.send(xml("message", { to: alice.jid, type: "chat" }, xml("body", {}, "before")));
    const before = await alice.waitFor((s) => s.getChildText("body") === "before", "first message");
    assert.ok(idBy(before, "alice@localhost"));
    const relayed = new Promise<void>((resolve) =>
      nodes[1]!.server.ctx.hooks.archivePrefsChanged.add((account) => {
        if (account === "alice@localhost") resolve();
      }),
    );
    const set = await alice.iq(
      xml("iq", { type: "set" }, xml("prefs", { xmlns: MAM, default: "never" }, xml("always"), xml("never"))),
    );
    assert.equal(set.attrs.type, "result");
    await relayed;
    await bob.send(xml("message", { to: alice.jid, type: "chat" }, xml("body", {}, "after")));
    const after = await alice.waitFor((s) => s.getChildText("body") === "after", "second message");
    assert.equal(idBy(after, "alice@localhost"), undefined, "not archived: m2 read the new prefs");
  },
);
