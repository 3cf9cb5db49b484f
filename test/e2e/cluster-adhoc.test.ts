// End to end on a cluster of two nodes (PostgreSQL + Redis): the XEP-0133 commands of an admin on
// one node see and reach the sessions on the other (through ctx.sessions and handles).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { TestServer } from "../helpers/xmpp-server.ts";
import { ChatClient, xml, type XmlElement } from "../helpers/chat-client.ts";
import { clusterSkip, useCluster } from "../helpers/cluster.ts";

const skip = clusterSkip;
const CMD = "http://jabber.org/protocol/commands";
const ADMIN = "http://jabber.org/protocol/admin";
const { nodes, clients } = useCluster("xha_cl_adhoc", ["n1", "n2"], { admins: ["alice@localhost"] });

const command = (attrs: Record<string, string>, ...children: XmlElement[]) =>
  xml("iq", { type: "set", to: "localhost" }, xml("command", { xmlns: CMD, ...attrs }, ...children));
const field = (v: string, ...values: string[]) =>
  xml("field", { var: v }, ...values.map((x) => xml("value", {}, x)));
const submit = (...fields: XmlElement[]) => xml("x", { xmlns: "jabber:x:data", type: "submit" }, ...fields);

test("online users and announce cover the sessions of every node", { skip }, async () => {
  const [n1, n2] = nodes as [TestServer, TestServer];
  const alice = await ChatClient.login(n1.port, "alice", "alice-pw", "admin");
  const bob = await ChatClient.login(n2.port, "bob", "bob-pw", "far");
  clients.push(alice, bob);
  // Sessions are announced through Redis: wait until n1 sees bob's.
  const deadline = Date.now() + 5000;
  while (n1.server.ctx.sessions.ofAccount("bob@localhost").length === 0) {
    if (Date.now() > deadline) throw new Error("n1 never saw bob's session");
    await new Promise((r) => setTimeout(r, 20));
  }
  const list = `${ADMIN}#get-online-users-list`;
  const first = await alice.iq(command({ node: list, action: "execute" }));
  const sessionid = first.getChild("command", CMD)?.attrs.sessionid ?? "";
  const done = await alice.iq(command({ node: list, sessionid }, submit(field("max_items", "all"))));
  const jids = done
    .getChild("command", CMD)
    ?.getChild("x", "jabber:x:data")
    ?.getChildren("field")
    .find((f) => f.attrs.var === "onlineuserjids")
    ?.getChildren("value")
    .map((v) => v.getText());
  assert.deepEqual(jids, ["alice@localhost", "bob@localhost"]);

  const announce = `${ADMIN}#announce`;
  const a1 = await alice.iq(command({ node: announce, action: "execute" }));
  const id = a1.getChild("command", CMD)?.attrs.sessionid ?? "";
  const mark = bob.received.length;
  const sent = await alice.iq(
    command(
      { node: announce, sessionid: id, action: "complete" },
      submit(field("announcement", "across nodes")),
    ),
  );
  assert.equal(sent.getChild("command", CMD)?.attrs.status, "completed");
  const m = await bob.waitFor(
    (s) => s.getChildText("body") === "across nodes",
    "the announcement",
    5000,
    mark,
  );
  assert.equal(m.attrs.type, "headline");
  assert.equal(m.attrs.from, "localhost");
});
