// End to end, XEP-0357 push: a client enables push at an app server, which here is a second local
// account's session (this server has no s2s); a message kept for its hibernating XEP-0198 session, or
// kept offline, sends the §7 publish from the account's bare JID; the app server's error disables it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";

const USERS = {
  "alice@localhost": "alice-pw",
  "bob@localhost": "bob-pw",
  "carol@localhost": "carol-pw",
  "dave@localhost": "dave-pw",
  "push@localhost": "push-pw",
};
const SM = "urn:xmpp:sm:3";
const PUSH = "urn:xmpp:push:0";
const OPTIONS =
  "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field><field var='secret'><value>s3cr3t</value></field></x>";

let api: TestAuthApi;
let server: TestServer;
const open: RawClient[] = [];

before(async () => {
  api = await startAuthApi(USERS);
  server = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    https_ports: [0],
    hosts: { localhost: { http_auth_url: api.url, smacks_hibernation_time: 60 } },
  });
});
after(async () => {
  for (const c of open) c.destroy();
  await server.stop();
  await api.close();
});

async function login(user: string, resource: string): Promise<RawClient> {
  const c = await RawClient.connect(server.tlsPort, { tls: true });
  open.push(c);
  c.open();
  await c.waitFor("</stream:features>");
  await c.login(user, `${user}-pw`, "localhost", resource);
  return c;
}

async function iq(c: RawClient, id: string, body: string): Promise<string> {
  const mark = c.received.length;
  c.write(`<iq type='set' id='${id}'>${body}</iq>`);
  return c.waitFor(new RegExp(`<iq [^>]*id=["']${id}["'][^>]*/?>`), 5000, mark);
}

async function metric(name: string, atLeast: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const text = await (await fetch(`https://localhost:${server.httpsPort}/metrics`)).text();
    const value = Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1] ?? -1);
    if (value >= atLeast) return;
    if (Date.now() > deadline) throw new Error(`${name} stays below ${atLeast}:\n${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("the account's disco#info lists urn:xmpp:push:0; bad enables are refused", async () => {
  const alice = await login("alice", "disco");
  const mark = alice.received.length;
  alice.write(
    "<iq type='get' id='d1' to='alice@localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>",
  );
  await alice.waitFor("</iq>", 5000, mark);
  assert.match(alice.received.slice(mark), /<feature var=["']urn:xmpp:push:0["']\/>/);
  assert.match(await iq(alice, "b1", `<enable xmlns='${PUSH}' node='n'/>`), /type=["']error["']/);
  assert.match(
    await iq(alice, "b2", `<enable xmlns='${PUSH}' jid='push@localhost/app'/>`),
    /type=["']error["']/,
  );
  const other = await iq(alice, "b3", `<enable xmlns='${PUSH}' jid='push@localhost/app' node='n'/>`);
  assert.match(other, /type=["']result["']/);
  const mark2 = alice.received.length;
  alice.write(
    `<iq type='set' id='b4' to='bob@localhost'><enable xmlns='${PUSH}' jid='push@localhost/app' node='n'/></iq>`,
  );
  await alice.waitFor(/<forbidden|<service-unavailable/, 5000, mark2);
  assert.match(await iq(alice, "b5", `<disable xmlns='${PUSH}' jid='push@localhost/app'/>`), /result/);
});

test("a message for a hibernating session is pushed to its app server, without body or sender", async () => {
  const app = await login("push", "app");
  const alice = await login("alice", "phone");
  assert.match(
    await iq(
      alice,
      "e1",
      `<enable xmlns='${PUSH}' jid='push@localhost/app' node='node-a'>${OPTIONS}</enable>`,
    ),
    /type=["']result["']/,
  );
  alice.write(`<enable xmlns='${SM}' resume='true'/>`);
  await alice.waitFor("<enabled");
  alice.destroy();
  const deadline = Date.now() + 10_000;
  while (server.server.ctx.sessions.get("alice@localhost", "phone")?.local?.hibernating !== true) {
    if (Date.now() > deadline) throw new Error("alice does not hibernate");
    await new Promise((r) => setTimeout(r, 10));
  }
  const bob = await login("bob", "desk");
  bob.write("<message to='alice@localhost' type='chat'><body>wake up</body></message>");
  const publish = await app.waitFor(/<iq [^>]*type=["']set["'][\s\S]*?<\/iq>/);
  assert.match(publish, /from=["']alice@localhost["']/);
  assert.match(publish, /to=["']push@localhost\/app["']/);
  assert.match(publish, /<publish node=["']node-a["']>/);
  assert.match(publish, /<notification xmlns=["']urn:xmpp:push:0["']>/);
  assert.match(publish, /urn:xmpp:push:summary/);
  assert.match(publish, /<field var=["']message-count["']><value>1<\/value>/);
  assert.match(publish, /<publish-options><x [^>]*>[\s\S]*s3cr3t/);
  assert.ok(!publish.includes("wake up"), "no body by default");
  assert.ok(!publish.includes("bob@localhost"), "no sender by default");
  const id = /id=["']([^"']+)["']/.exec(publish)?.[1] ?? "";
  app.write(`<iq type='result' id='${id}' to='alice@localhost'/>`);
});

test("a message kept offline is pushed; the app server's error disables the registration", async () => {
  const app = await login("push", "app2");
  const carol = await login("carol", "laptop");
  assert.match(
    await iq(carol, "e2", `<enable xmlns='${PUSH}' jid='push@localhost/app2' node='node-c'/>`),
    /result/,
  );
  carol.close();
  await carol.waitClosed();
  const bob = await login("bob", "desk2");
  const mark = app.received.length;
  bob.write("<message to='carol@localhost' type='chat'><body>while away</body></message>");
  const publish = await app.waitFor(/<iq [^>]*type=["']set["'][\s\S]*?<\/iq>/, 5000, mark);
  assert.match(publish, /<publish node=["']node-c["']>/);
  const id = /id=["']([^"']+)["']/.exec(publish)?.[1] ?? "";
  app.write(
    `<iq type='error' id='${id}' to='carol@localhost'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
  );
  await metric("xha_push_disabled_total", 1);
});

test("an app server on another domain cannot be reached: counted, not sent", async () => {
  const dave = await login("dave", "pc");
  assert.match(await iq(dave, "e3", `<enable xmlns='${PUSH}' jid='push.example.net' node='x'/>`), /result/);
  dave.close();
  await dave.waitClosed();
  const bob = await login("bob", "desk3");
  bob.write("<message to='dave@localhost' type='chat'><body>hi</body></message>");
  await metric("xha_push_unroutable_total", 1);
  assert.ok(server.logs.some((l) => l.includes("no server-to-server") && l.includes("example.net")));
});
