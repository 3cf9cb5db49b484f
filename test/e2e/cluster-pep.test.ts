// End to end, PEP on a cluster of two nodes (one PostgreSQL schema, one Redis key prefix of this
// run's own): a contact on the other node gets notifications, its +notify interest travelling in
// SharedState, and the last item on coming online, read from the shared store.
import { test } from "node:test";
import { createHash } from "node:crypto";
import type { TestServer } from "../helpers/xmpp-server.ts";
import { ChatClient, isPresence, rosterItem, xml, type XmlElement } from "../helpers/chat-client.ts";
import { clusterSkip, useCluster } from "../helpers/cluster.ts";

const skip = clusterSkip;
const DISCO = "http://jabber.org/protocol/disco#info";
const PUBSUB = "http://jabber.org/protocol/pubsub";
const NICK = "http://jabber.org/protocol/nick";
const { nodes, clients } = useCluster("xha_cluster_pep");

const node = (i: number) => nodes[i] as TestServer;
const features = [DISCO, `${NICK}+notify`];
const ver = createHash("sha1")
  .update(
    "client/pc//cluster-pep<" +
      [...features]
        .sort()
        .map((f) => `${f}<`)
        .join(""),
  )
  .digest("base64");

async function online(i: number, user: string, resource: string): Promise<ChatClient> {
  const c = await ChatClient.login(node(i).port, user, `${user}-pw`, resource);
  clients.push(c);
  c.xmpp.iqCallee.get(DISCO, "query", ({ stanza }) =>
    xml(
      "query",
      { xmlns: DISCO, node: stanza.getChild("query")?.attrs.node },
      xml("identity", { category: "client", type: "pc", name: "cluster-pep" }),
      ...features.map((f) => xml("feature", { var: f })),
    ),
  );
  await c.iq(xml("iq", { type: "get" }, xml("query", { xmlns: "jabber:iq:roster" })));
  await c.send(
    xml(
      "presence",
      {},
      xml("c", { xmlns: "http://jabber.org/protocol/caps", hash: "sha-1", node: "x", ver }),
    ),
  );
  await c.waitFor(isPresence(c.jid), "own presence echoed");
  return c;
}

/** Until every node sees that `jid` wants `node` notifications (SharedState travels through Redis). */
async function wantsEverywhere(jid: string, wanted: string): Promise<void> {
  const [bare, resource] = jid.split("/") as [string, string];
  const deadline = Date.now() + 10_000;
  while (
    !nodes.every((n) =>
      n.server.ctx.sessions.get(bare, resource)?.state.extra["pep:notify"]?.split(" ").includes(wanted),
    )
  ) {
    if (Date.now() > deadline) throw new Error(`not every node sees ${jid} wanting ${wanted}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const isNick = (from: string, nick: string) => (s: XmlElement) =>
  s.name === "message" &&
  s.attrs.from === from &&
  s.getChild("event", `${PUBSUB}#event`)?.getChild("items")?.getChild("item")?.getChildText("nick") === nick;
const publishNick = (nick: string) =>
  xml(
    "iq",
    { type: "set" },
    xml(
      "pubsub",
      { xmlns: PUBSUB },
      xml("publish", { node: NICK }, xml("item", {}, xml("nick", { xmlns: NICK }, nick))),
    ),
  );

test(
  "a contact on another node gets notifications and, coming online there, the last item",
  { skip },
  async () => {
    const alice = await online(0, "alice", "a1");
    const bob = await online(1, "bob", "b1");
    await bob.send(xml("presence", { to: "alice@localhost", type: "subscribe" }));
    await alice.waitFor(isPresence("bob@localhost", "subscribe"), "subscribe");
    await alice.send(xml("presence", { to: "bob@localhost", type: "subscribed" }));
    await bob.waitFor(
      (s) => s.name === "iq" && rosterItem(s, "alice@localhost")?.attrs.subscription === "to",
      "to",
    );
    await wantsEverywhere(bob.jid, NICK);
    await alice.iq(publishNick("Alice on n1"));
    await bob.waitFor(isNick("alice@localhost", "Alice on n1"), "notification across nodes");
    const bob2 = await online(1, "bob", "b2");
    await bob2.waitFor(isNick("alice@localhost", "Alice on n1"), "last item on the other node");
  },
);
