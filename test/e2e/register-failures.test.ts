// End to end, XEP-0077 when the HTTP API says no or is broken: each failure is a precise stanza error,
// no account acts on another, and the server keeps serving other sessions throughout.
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY, type RawClient } from "../helpers/raw-client.ts";
import { iq, loggedIn, outcome, register, registerQuery, REMOVE } from "../helpers/register-client.ts";

let api: TestAuthApi;
let srv: TestServer;
/** Another user's session: after every failure it must still get its pings answered. */
let bystander: RawClient;

before(async () => {
  api = await startAuthApi({ "alice@localhost": "wonderland", "bob@localhost": "builder" });
  srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    hosts: {
      localhost: {
        http_auth_url: api.url,
        http_auth_timeout: 0.3,
        allow_registration: true,
        registration_throttle_max: 1000,
      },
    },
  });
  bystander = await loggedIn(srv.tlsPort, "bob", "builder", "watching");
});

afterEach(() => {
  api.fault = "none";
  api.statusFor.clear();
});

after(async () => {
  bystander.destroy();
  await srv.stop();
  await api.close();
});

async function stillServing(): Promise<void> {
  const pong = await iq(bystander, "get", "<ping xmlns='urn:xmpp:ping'/>", "localhost");
  assert.equal(outcome(pong), "result");
}

const tls = () => ({ tlsPort: srv.tlsPort });

test("registration: 409 is conflict, 501 feature-not-implemented, 500 and timeouts internal-server-error (wait)", async () => {
  const cases: [string, () => void, string][] = [
    ["register 409", () => api.statusFor.set("register", 409), "conflict/cancel"],
    ["register 501", () => api.statusFor.set("register", 501), "feature-not-implemented/cancel"],
    ["register 500", () => api.statusFor.set("register", 500), "internal-server-error/wait"],
    ["user_exists 500", () => api.statusFor.set("user_exists", 500), "internal-server-error/wait"],
    ["API returns garbage", () => (api.fault = "garbage"), "internal-server-error/wait"],
    ["API hangs past http_auth_timeout", () => (api.fault = "hang"), "internal-server-error/wait"],
  ];
  for (const [name, fault, expected] of cases) {
    fault();
    const started = Date.now();
    assert.equal(await register(tls(), "kim", "k1m"), expected, name);
    assert.ok(Date.now() - started < 2000, `${name}: answered within the timeout`);
    api.fault = "none";
    api.statusFor.clear();
    await stillServing();
  }
  assert.equal(api.users.has("kim@localhost"), false);
  // Nothing was left half-done: the same name registers once the API is healthy.
  assert.equal(await register(tls(), "kim", "k1m"), "result");
});

test("password change: 501 feature-not-implemented, 500 and hangs internal-server-error (wait)", async () => {
  const alice = await loggedIn(srv.tlsPort, "alice", "wonderland");
  try {
    const change = registerQuery({ username: "alice", password: "n3w" });
    const cases: [string, () => void, string][] = [
      ["set_password 501", () => api.statusFor.set("set_password", 501), "feature-not-implemented/cancel"],
      ["set_password 500", () => api.statusFor.set("set_password", 500), "internal-server-error/wait"],
      ["API hangs", () => (api.fault = "hang"), "internal-server-error/wait"],
    ];
    for (const [name, fault, expected] of cases) {
      fault();
      assert.equal(outcome(await iq(alice, "set", change)), expected, name);
      api.fault = "none";
      api.statusFor.clear();
      await stillServing();
    }
    assert.equal(api.users.get("alice@localhost"), "wonderland");
  } finally {
    alice.destroy();
  }
});

test("a user cannot change another user's password; their own, in any case, they can", async () => {
  const alice = await loggedIn(srv.tlsPort, "alice", "wonderland");
  try {
    const mark = api.requests.length;
    for (const other of ["bob", "bob@localhost", "", "alice2"]) {
      const reply = await iq(alice, "set", registerQuery({ username: other, password: "pwned" }));
      assert.equal(outcome(reply), "not-authorized/auth", other);
    }
    // Addressed to bob's account instead of the server: not ours to answer for him.
    const aimed = await iq(
      alice,
      "set",
      registerQuery({ username: "bob", password: "pwned" }),
      "bob@localhost",
    );
    assert.equal(outcome(aimed), "service-unavailable/cancel");
    assert.equal(api.requests.length, mark);
    assert.equal(api.users.get("bob@localhost"), "builder");

    assert.equal(
      outcome(await iq(alice, "set", registerQuery({ username: "ALICE", password: "" }))),
      "not-acceptable/modify",
    );
    assert.equal(
      outcome(await iq(alice, "set", registerQuery({ username: "ALICE", password: "w0nder" }))),
      "result",
    );
    assert.deepEqual(
      api.requests.slice(mark).map((r) => [r.method, r.path, r.params]),
      [["POST", "/auth/set_password", { user: "alice", pass: "w0nder", server: "localhost" }]],
    );
  } finally {
    alice.destroy();
    api.users.set("alice@localhost", "wonderland");
  }
});

test("removal: 501 feature-not-implemented and 500 internal-server-error, the session stays up", async () => {
  const alice = await loggedIn(srv.tlsPort, "alice", "wonderland");
  try {
    api.statusFor.set("remove_user", 501);
    assert.equal(outcome(await iq(alice, "set", REMOVE)), "feature-not-implemented/cancel");
    api.statusFor.set("remove_user", 500);
    assert.equal(outcome(await iq(alice, "set", REMOVE)), "internal-server-error/wait");
    api.statusFor.clear();
    assert.equal(outcome(await iq(alice, "get", "<ping xmlns='urn:xmpp:ping'/>", "localhost")), "result");
    assert.equal(alice.closed, false);
    await stillServing();
    assert.ok(api.users.has("alice@localhost"));
  } finally {
    alice.destroy();
  }
});

test("removal: the result, then 'Account deleted' on this stream and on every other session of the account", async () => {
  assert.equal(await register(tls(), "lou", "l0u"), "result");
  const phone = await loggedIn(srv.tlsPort, "lou", "l0u", "phone");
  const laptop = await loggedIn(srv.tlsPort, "lou", "l0u", "laptop");
  const mark = phone.received.length;
  const reply = await iq(phone, "set", REMOVE);
  assert.equal(outcome(reply), "result");
  const deleted =
    /<stream:error[^>]*><not-authorized xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/><text xmlns="urn:ietf:params:xml:ns:xmpp-streams">Account deleted<\/text><\/stream:error>/;
  await phone.waitFor(deleted, 3000, mark);
  // The result reached the client before the stream error.
  const tail = phone.received.slice(mark);
  assert.ok(tail.indexOf(reply) < tail.search(deleted));
  await laptop.waitFor(deleted);
  // Both streams were closed by the server: answering with our closing tag ends the connections.
  await Promise.all([phone.waitFor("</stream:stream>", 3000, mark), laptop.waitFor("</stream:stream>")]);
  phone.close();
  laptop.close();
  await Promise.all([phone.waitClosed(), laptop.waitClosed()]);
  await stillServing();
  assert.equal(api.users.has("lou@localhost"), false);
  await assert.rejects(loggedIn(srv.tlsPort, "lou", "l0u"), /not-authorized/);
});
