// End to end, XEP-0077: a user registers, changes their password and deletes their account through our
// server, which asks a real HTTP API; each request is compared with what Prosody sent for the same action.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import Database from "better-sqlite3";
import { client, xml } from "@xmpp/client";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { iq, outcome, ours, prosody, register, secureStream } from "../helpers/register-client.ts";

let api: TestAuthApi;
let srv: TestServer;

const hostOptions = (extra: Record<string, unknown> = {}) => ({
  certificate: TEST_CERT,
  key: TEST_KEY,
  hosts: { localhost: { http_auth_url: api.url, http_auth_timeout: 0.5, ...extra } },
});

before(async () => {
  api = await startAuthApi({ "bob@localhost": "builder" });
  srv = await startServer(hostOptions({ allow_registration: true, registration_throttle_max: 1000 }));
});

after(async () => {
  await srv.stop();
  await api.close();
});

type XmppClient = ReturnType<typeof client>;

function newClient(username: string, password: string): XmppClient {
  const xmpp = client({ service: `xmpp://127.0.0.1:${srv.port}`, domain: "localhost", username, password });
  xmpp.on("error", () => {}); // failures surface through start()
  return xmpp;
}

async function login(username: string, password: string): Promise<XmppClient> {
  const xmpp = newClient(username, password);
  try {
    await xmpp.start();
  } catch (err) {
    await xmpp.stop().catch(() => {}); // or its reconnect timer keeps trying
    throw err;
  }
  return xmpp;
}

async function loginError(username: string, password: string): Promise<string> {
  try {
    await (await login(username, password)).stop();
    return "logged in";
  } catch (err) {
    return (err as { condition?: string }).condition ?? String(err);
  }
}

const query = (...children: ReturnType<typeof xml>[]) =>
  xml("query", { xmlns: "jabber:iq:register" }, ...children);

test("register, log in, change the password, remove: each request as Prosody sent it", async () => {
  // The names and passwords of Prosody's recorded scenarios, so the requests can be compared whole.
  let mark = api.requests.length;
  assert.equal(await register({ tlsPort: srv.tlsPort }, "dave", "d4ve"), "result");
  assert.deepEqual(ours(api.requests.slice(mark)), [
    prosody("user_exists", "dave"),
    prosody("register", "dave"),
  ]);
  assert.equal(api.requests.at(-1)?.headers["content-type"], "application/x-www-form-urlencoded");

  const xmpp = await login("dave", "d4ve");
  assert.match(String(xmpp.jid), /^dave@localhost\//);
  mark = api.requests.length;
  const changed = await xmpp.iqCaller.set(
    query(xml("username", {}, "dave"), xml("password", {}, "n3w pass&=+%")),
  );
  assert.equal(changed, undefined); // an empty result
  assert.deepEqual(ours(api.requests.slice(mark)), [prosody("set_password", "dave")]);
  await xmpp.stop();

  assert.equal(await loginError("dave", "d4ve"), "not-authorized");
  const again = await login("dave", "n3w pass&=+%");
  const streamErrors: string[] = [];
  again.on("error", (err: { condition?: string; text?: string }) =>
    streamErrors.push(`${err.condition}: ${err.text}`),
  );
  mark = api.requests.length;
  assert.equal(await again.iqCaller.set(query(xml("remove"))), undefined);
  assert.deepEqual(ours(api.requests.slice(mark)), [prosody("remove_user", "dave")]);
  await waitUntil(() => streamErrors.length > 0);
  assert.deepEqual(streamErrors, ["not-authorized: Account deleted"]);
  await again.stop().catch(() => {});

  assert.equal(await loginError("dave", "n3w pass&=+%"), "not-authorized");
});

test("registering a taken name is conflict after one user_exists, as with Prosody", async () => {
  const mark = api.requests.length;
  assert.equal(await register({ tlsPort: srv.tlsPort }, "bob", "whatever"), "conflict/cancel");
  assert.deepEqual(ours(api.requests.slice(mark)), [prosody("user_exists", "bob")]);
});

test("the form: plain fields and a XEP-0004 data form with FORM_TYPE", async () => {
  const c = await secureStream({ tlsPort: srv.tlsPort });
  assert.match(c.received, /<register xmlns="http:\/\/jabber.org\/features\/iq-register"\/>/);
  const form = await iq(c, "get", "<query xmlns='jabber:iq:register'/>");
  assert.equal(outcome(form), "result");
  assert.match(form, /<instructions>[^<]+<\/instructions><username\/><password\/>/);
  assert.match(form, /<x xmlns="jabber:x:data" type="form">/);
  assert.match(form, /<field type="hidden" var="FORM_TYPE"><value>jabber:iq:register<\/value><\/field>/);
  assert.match(form, /<field type="text-single" var="username"[^>]*><required\/><\/field>/);
  assert.match(form, /<field type="text-private" var="password"[^>]*><required\/><\/field>/);

  // A submitted data form; the username is normalised (RFC 8265) before the API sees it.
  const mark = api.requests.length;
  const submitted =
    "<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'>" +
    "<field var='FORM_TYPE'><value>jabber:iq:register</value></field>" +
    "<field var='username'><value>ERIN</value></field><field var='password'><value>3rin</value></field>" +
    "</x></query>";
  assert.equal(outcome(await iq(c, "set", submitted)), "result");
  assert.deepEqual(
    api.requests.slice(mark).map((r) => [r.path, r.params.user, r.params.pass]),
    [
      ["/auth/user_exists", "erin", undefined],
      ["/auth/register", "erin", "3rin"],
    ],
  );
  // The new account logs in on the same stream.
  assert.match(await c.login("erin", "3rin"), /^erin@localhost\//);
  assert.match(
    await iq(c, "get", "<query xmlns='jabber:iq:register'/>"),
    /<registered\/><username>erin<\/username>/,
  );
  c.destroy();
});

test("invalid, empty or too long usernames and empty passwords are not-acceptable, with no HTTP call", async () => {
  const mark = api.requests.length;
  const cases: [string | undefined, string | undefined][] = [
    [undefined, "pw"],
    ["", "pw"],
    ["  ", "pw"],
    ["al ice", "pw"],
    ["a@b", "pw"],
    ["a/b", "pw"],
    ["x".repeat(1024), "pw"],
    ["snow\u2603man", "pw"],
    ["\u2163", "pw"],
    ["frank", ""],
    ["frank", undefined],
  ];
  for (const [user, pass] of cases) {
    assert.equal(await register({ tlsPort: srv.tlsPort }, user, pass), "not-acceptable/modify", `${user}`);
  }
  assert.equal(api.requests.length, mark);
});

test("no registration, and no feature, before encryption unless both insecure opt-ins are set", async () => {
  const mark = api.requests.length;
  const plain = await RawClient.connect(srv.port);
  plain.open();
  await plain.waitFor("</stream:features>");
  assert.doesNotMatch(plain.received, /iq-register/);
  const refused = await iq(
    plain,
    "set",
    "<query xmlns='jabber:iq:register'><username>gil</username><password>pw</password></query>",
  );
  assert.equal(outcome(refused), "not-allowed/cancel");
  assert.equal(outcome(await iq(plain, "get", "<query xmlns='jabber:iq:register'/>")), "not-allowed/cancel");
  // After STARTTLS the same stream may register.
  await plain.starttls();
  assert.match(plain.received, /iq-register/);
  assert.equal(outcome(await iq(plain, "get", "<query xmlns='jabber:iq:register'/>")), "result");
  plain.destroy();
  assert.equal(api.requests.length, mark);

  const insecure = await startServer(
    hostOptions({
      allow_registration: true,
      c2s_require_encryption: false,
      allow_unencrypted_plain_auth: true,
    }),
  );
  try {
    const c = await RawClient.connect(insecure.port);
    c.open();
    await c.waitFor("</stream:features>");
    assert.match(c.received, /iq-register/);
    c.destroy();
    assert.equal(await register({ port: insecure.port }, "gil", "g1l"), "result");
  } finally {
    await insecure.stop();
  }
});

test("registration disabled (the default): service-unavailable, no feature, no HTTP call", async () => {
  const off = await startServer(hostOptions());
  try {
    const mark = api.requests.length;
    const c = await secureStream({ tlsPort: off.tlsPort });
    assert.doesNotMatch(c.received, /iq-register/);
    assert.equal(
      outcome(await iq(c, "get", "<query xmlns='jabber:iq:register'/>")),
      "service-unavailable/cancel",
    );
    const set = "<query xmlns='jabber:iq:register'><username>hal</username><password>pw</password></query>";
    assert.equal(outcome(await iq(c, "set", set)), "service-unavailable/cancel");
    c.destroy();
    assert.equal(api.requests.length, mark);
  } finally {
    await off.stop();
  }
});

test("the throttle: past registration_throttle_max per address, resource-constraint and no HTTP call", async () => {
  const limited = await startServer(hostOptions({ allow_registration: true, registration_throttle_max: 2 }));
  try {
    const where = { tlsPort: limited.tlsPort };
    assert.equal(await register(where, "ivy", "1vy"), "result");
    assert.equal(await register(where, "bob", "x"), "conflict/cancel"); // an attempt counts too
    const mark = api.requests.length;
    assert.equal(await register(where, "jay", "j4y"), "resource-constraint/wait");
    assert.equal(api.requests.length, mark);
    assert.equal(api.users.has("jay@localhost"), false);
    // Local validation still comes first and says what is wrong.
    assert.equal(await register(where, "", "pw"), "not-acceptable/modify");
    // Another server (another host's limit) is not affected.
    assert.equal(await register({ tlsPort: srv.tlsPort }, "jay", "j4y"), "result");
  } finally {
    await limited.stop();
  }
});

async function waitUntil(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

test("removing an account also deletes its data from the chat store (its roster here; the store suite checks the rest)", async () => {
  assert.equal(await register({ tlsPort: srv.tlsPort }, "fern", "f3rn"), "result");
  const fern = await login("fern", "f3rn");
  await fern.iqCaller.set(
    xml("query", { xmlns: "jabber:iq:roster" }, xml("item", { jid: "friend@localhost", name: "F" })),
  );
  const chat = new Database(join(srv.dataPath, "xmpp.sqlite"), { readonly: true });
  const rows = () =>
    chat.prepare("SELECT count(*) FROM chat_roster WHERE account = 'fern@localhost'").pluck().get() as number;
  try {
    assert.equal(rows(), 1);
    fern.on("error", () => {});
    assert.equal(await fern.iqCaller.set(query(xml("remove"))), undefined);
    await waitUntil(() => rows() === 0);
  } finally {
    chat.close();
    await fern.stop().catch(() => {});
  }
});

test("a password change ends the account's other sessions with reset; the changing session stays", async () => {
  assert.equal(await register({ tlsPort: srv.tlsPort }, "gwen", "old-pw"), "result");
  const changer = await login("gwen", "old-pw");
  const other = newClient("gwen", "old-pw");
  await other.start();
  const errors: string[] = [];
  other.on("error", (err: { condition?: string; text?: string }) =>
    errors.push(`${err.condition}: ${err.text}`),
  );
  // Its reconnect would log in again with the old password: not what this test is about.
  (other as unknown as { reconnect: { stop(): void } }).reconnect.stop();
  try {
    await changer.iqCaller.set(query(xml("username", {}, "gwen"), xml("password", {}, "new-pw")));
    await waitUntil(() => errors.length > 0);
    assert.deepEqual(errors, ["reset: Password changed"]);
    // The session that changed it still answers.
    const pong = await changer.iqCaller.get(xml("ping", { xmlns: "urn:xmpp:ping" }));
    assert.equal(pong, undefined);
    assert.equal(changer.status, "online");
  } finally {
    await other.stop().catch(() => {});
    await changer.stop().catch(() => {});
  }
});
