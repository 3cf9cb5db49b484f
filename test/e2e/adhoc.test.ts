// End to end with @xmpp/client: XEP-0050 ad-hoc commands on the server JID: the list per requester
// (admins see the XEP-0133 ones), Prosody's ping command, announce to every online session, the
// online users list and count, and the §4.6 errors. `admins` is Prosody's option.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { ChatClient, condition, xml, type XmlElement } from "../helpers/chat-client.ts";

const CMD = "http://jabber.org/protocol/commands";
const ADMIN = "http://jabber.org/protocol/admin";
const DATA = "jabber:x:data";

let api: TestAuthApi;
let server: TestServer;
const clients: ChatClient[] = [];
const login = async (user: string, resource?: string) => {
  const c = await ChatClient.login(server.port, user, `${user}-pw`, resource);
  clients.push(c);
  return c;
};

before(async () => {
  api = await startAuthApi({
    "alice@localhost": "alice-pw",
    "bob@localhost": "bob-pw",
    "carol@localhost": "carol-pw",
  });
  server = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    admins: ["Alice@localhost"],
    hosts: { localhost: { http_auth_url: api.url } },
  });
});
after(async () => {
  for (const c of clients) await c.stop();
  await server.stop();
  await api.close();
});

const command = (attrs: Record<string, string>, ...children: XmlElement[]) =>
  xml("iq", { type: "set", to: "localhost" }, xml("command", { xmlns: CMD, ...attrs }, ...children));
const submit = (fields: Record<string, string[]>) =>
  xml(
    "x",
    { xmlns: DATA, type: "submit" },
    ...Object.entries(fields).map(([v, values]) =>
      xml("field", { var: v }, ...values.map((x) => xml("value", {}, x))),
    ),
  );
const specific = (r: XmlElement) =>
  r.getChild("error")?.children.find((c): c is XmlElement => typeof c !== "string" && c.attrs.xmlns === CMD)
    ?.name;
const values = (cmd: XmlElement | undefined, v: string) =>
  cmd
    ?.getChild("x", DATA)
    ?.getChildren("field")
    .find((f) => f.attrs.var === v)
    ?.getChildren("value")
    .map((x) => x.getText()) ?? [];

async function commandList(c: ChatClient): Promise<string[]> {
  const r = await c.iq(
    xml(
      "iq",
      { type: "get", to: "localhost" },
      xml("query", { xmlns: "http://jabber.org/protocol/disco#items", node: CMD }),
    ),
  );
  assert.equal(r.attrs.type, "result");
  return r
    .getChild("query")!
    .getChildren("item")
    .map((i) => {
      assert.equal(i.attrs.jid, "localhost");
      return i.attrs.node ?? "";
    });
}

test("disco lists the commands the requester may run; admins see the XEP-0133 ones", async () => {
  const bob = await login("bob");
  const alice = await login("alice");
  assert.deepEqual(await commandList(bob), ["ping"]);
  assert.deepEqual(await commandList(alice), [
    "ping",
    `${ADMIN}#announce`,
    `${ADMIN}#get-online-users-num`,
    `${ADMIN}#get-online-users-list`,
  ]);
  // §2.3: a command node describes itself; a hidden one is not disclosed to a non-admin.
  const info = async (c: ChatClient, node: string) =>
    c.iq(
      xml(
        "iq",
        { type: "get", to: "localhost" },
        xml("query", { xmlns: "http://jabber.org/protocol/disco#info", node }),
      ),
    );
  const ping = await info(bob, "ping");
  assert.equal(ping.getChild("query")?.getChild("identity")?.attrs.type, "command-node");
  const features = ping
    .getChild("query")
    ?.getChildren("feature")
    .map((f) => f.attrs.var);
  assert.deepEqual(features, [CMD, DATA]);
  assert.equal(condition(await info(bob, `${ADMIN}#announce`)), "item-not-found");
  assert.equal((await info(alice, `${ADMIN}#announce`)).attrs.type, "result");
});

test("the ping command completes at once with the note Pong", async () => {
  const bob = await login("bob");
  const r = await bob.iq(command({ node: "ping", action: "execute" }));
  assert.equal(r.attrs.type, "result");
  const cmd = r.getChild("command", CMD);
  assert.equal(cmd?.attrs.status, "completed");
  assert.equal(cmd?.attrs.node, "ping");
  assert.ok(cmd?.attrs.sessionid);
  assert.equal(cmd?.getChild("note")?.attrs.type, "info");
  assert.equal(cmd?.getChild("note")?.getText(), "Pong");
  // Its session is over: continuing it is a bad-sessionid.
  const again = await bob.iq(
    command({ node: "ping", sessionid: cmd?.attrs.sessionid ?? "", action: "complete" }),
  );
  assert.equal(condition(again), "bad-request");
  assert.equal(specific(again), "bad-sessionid");
});

test("a non-admin is forbidden the admin commands; unknown nodes and bad actions are refused", async () => {
  const bob = await login("bob");
  const r = await bob.iq(command({ node: `${ADMIN}#announce`, action: "execute" }));
  assert.equal(condition(r), "forbidden");
  assert.equal(condition(await bob.iq(command({ node: "no-such-command" }))), "item-not-found");
  const malformed = await bob.iq(command({ node: "ping", action: "jump" }));
  assert.equal(condition(malformed), "bad-request");
  assert.equal(specific(malformed), "malformed-action");
  const unknown = await bob.iq(command({ node: "ping", sessionid: "nope", action: "complete" }));
  assert.equal(specific(unknown), "bad-sessionid");
});

test("announce reaches every online session as a headline; next/prev are bad-action; cancel ends", async () => {
  const alice = await login("alice", "desk");
  const bob1 = await login("bob", "one");
  const bob2 = await login("bob", "two");
  const carol = await login("carol");
  const first = await alice.iq(command({ node: `${ADMIN}#announce`, action: "execute" }));
  const cmd = first.getChild("command", CMD)!;
  assert.equal(cmd.attrs.status, "executing");
  assert.ok(cmd.getChild("actions")?.getChild("complete"));
  const fields = cmd
    .getChild("x", DATA)
    ?.getChildren("field")
    .map((f) => f.attrs.var);
  assert.deepEqual(fields, ["FORM_TYPE", "subject", "announcement"]);
  const sessionid = cmd.attrs.sessionid!;
  const node = `${ADMIN}#announce`;
  const next = await alice.iq(command({ node, sessionid, action: "next" }));
  assert.equal(specific(next), "bad-action");
  // An empty announcement is a bad payload; the session stays for a corrected form.
  const empty = await alice.iq(
    command({ node, sessionid, action: "complete" }, submit({ announcement: [] })),
  );
  assert.equal(specific(empty), "bad-payload");
  const marks = [bob1, bob2, carol].map((c) => c.received.length);
  const done = await alice.iq(
    command(
      { node, sessionid, action: "complete" },
      submit({ subject: ["Maintenance"], announcement: ["Down at 10", "Back at 11"] }),
    ),
  );
  assert.equal(done.getChild("command", CMD)?.attrs.status, "completed");
  for (const [i, c] of [bob1, bob2, carol].entries()) {
    const m = await c.waitFor(
      (s) => s.name === "message" && s.attrs.type === "headline" && s.attrs.from === "localhost",
      "the announcement",
      3000,
      marks[i],
    );
    assert.equal(m.attrs.to, c.jid);
    assert.equal(m.getChildText("subject"), "Maintenance");
    assert.equal(m.getChildText("body"), "Down at 10\nBack at 11");
  }
  // §3.4.1: cancel.
  const again = await alice.iq(command({ node, action: "execute" }));
  const id = again.getChild("command", CMD)!.attrs.sessionid!;
  const canceled = await alice.iq(command({ node, sessionid: id, action: "cancel" }));
  assert.equal(canceled.getChild("command", CMD)?.attrs.status, "canceled");
  assert.equal(
    specific(await alice.iq(command({ node, sessionid: id, action: "complete" }))),
    "bad-sessionid",
  );
});

test("online users: the list (max_items) and the number, bare JIDs once each", async () => {
  const alice = await login("alice", "list");
  await login("bob", "x");
  await login("bob", "y");
  const node = `${ADMIN}#get-online-users-list`;
  const first = await alice.iq(command({ node, action: "execute" }));
  const cmd = first.getChild("command", CMD)!;
  assert.equal(cmd.attrs.status, "executing");
  assert.deepEqual(values(cmd, "max_items"), ["25"]);
  const bad = await alice.iq(
    command({ node, sessionid: cmd.attrs.sessionid! }, submit({ max_items: ["7"] })),
  );
  assert.equal(specific(bad), "bad-payload");
  const done = await alice.iq(
    command({ node, sessionid: cmd.attrs.sessionid! }, submit({ max_items: ["all"] })),
  );
  const result = done.getChild("command", CMD);
  assert.equal(result?.attrs.status, "completed");
  const online = values(result, "onlineuserjids");
  assert.ok(online.includes("alice@localhost") && online.includes("bob@localhost"), online.join());
  assert.equal(new Set(online).size, online.length);
  const num = await alice.iq(command({ node: `${ADMIN}#get-online-users-num`, action: "execute" }));
  assert.equal(values(num.getChild("command", CMD), "onlineusersnum")[0], String(online.length));
});

test("commands are the server's: none on an account's bare JID", async () => {
  const bob = await login("bob");
  const r = await bob.iq(
    xml(
      "iq",
      { type: "set", to: "bob@localhost" },
      xml("command", { xmlns: CMD, node: "ping", action: "execute" }),
    ),
  );
  assert.equal(condition(r), "service-unavailable");
});
