// The auth cache through the server: reconnects and messages to offline users ask the API once per
// TTL; a password change or account removal through XEP-0077 (or the hooks another cluster node
// fires) takes effect at once; /metrics shows hits, misses and evictions per method.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { iq, loggedIn, outcome, registerQuery } from "../helpers/register-client.ts";

let api: TestAuthApi;
let srv: TestServer;

before(async () => {
  api = await startAuthApi({ "alice@localhost": "wonderland", "bob@localhost": "builder" });
  srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    http_ports: [0],
    // These tests log in with wrong passwords on purpose, more often than the per-address limit allows.
    limit_auth_max: 1000,
    hosts: {
      localhost: {
        http_auth_url: api.url,
        http_auth_cache_ttl: 300,
        http_auth_cache_user_exists_ttl: 300,
      },
    },
  });
});

after(async () => {
  await srv.stop();
  await api.close();
});

const calls = (method: string, user?: string) =>
  api.requests.filter((r) => r.path.endsWith("/" + method) && (user === undefined || r.params.user === user))
    .length;

async function tryLogin(user: string, password: string): Promise<string> {
  try {
    (await loggedIn(srv.tlsPort, user, password)).destroy();
    return "ok";
  } catch (err) {
    return /not-authorized/.test(String(err)) ? "not-authorized" : String(err);
  }
}

test("reconnects ask the API once per TTL; a wrong password is asked every time", async () => {
  const mark = calls("check_password", "bob");
  for (let i = 0; i < 5; i++) assert.equal(await tryLogin("bob", "builder"), "ok");
  assert.equal(calls("check_password", "bob") - mark, 1);
  for (let i = 0; i < 2; i++) assert.equal(await tryLogin("bob", "builder!"), "not-authorized");
  assert.equal(calls("check_password", "bob") - mark, 3);
});

test("a password change through XEP-0077 drops the cached login at once", async () => {
  assert.equal(await tryLogin("alice", "wonderland"), "ok");
  assert.equal(await tryLogin("alice", "wonderland"), "ok"); // from the cache now
  const c = await loggedIn(srv.tlsPort, "alice", "wonderland");
  assert.equal(
    outcome(await iq(c, "set", registerQuery({ username: "alice", password: "looking-glass" }))),
    "result",
  );
  c.destroy();
  assert.equal(api.users.get("alice@localhost"), "looking-glass");
  assert.equal(await tryLogin("alice", "wonderland"), "not-authorized");
  assert.equal(await tryLogin("alice", "looking-glass"), "ok");
});

test("the passwordChanged hook (as another cluster node fires it) drops the entry; without it the TTL rules", async () => {
  api.users.set("carol@localhost", "one");
  assert.equal(await tryLogin("carol", "one"), "ok");
  api.users.set("carol@localhost", "two"); // changed directly in the API
  assert.equal(await tryLogin("carol", "one"), "ok", "the documented trade-off: up to a TTL");
  srv.server.ctx.hooks.passwordChanged.run((err) => assert.fail(String(err)), "carol@localhost");
  assert.equal(await tryLogin("carol", "one"), "not-authorized");
  assert.equal(await tryLogin("carol", "two"), "ok");
  srv.server.ctx.hooks.accountRemoved.run((err) => assert.fail(String(err)), "carol@localhost");
  api.users.delete("carol@localhost");
  assert.equal(await tryLogin("carol", "two"), "not-authorized");
});

test("messages to an unknown user ask user_exists once per TTL; /metrics shows the cache", async () => {
  const sender = await loggedIn(srv.tlsPort, "bob", "builder");
  const mark = calls("user_exists", "nobody");
  for (let i = 0; i < 5; i++) {
    const at = sender.received.length;
    sender.write(`<message to='nobody@localhost' id='m${i}' type='chat'><body>hi</body></message>`);
    await sender.waitFor(/<message\b[^>]*type="error"/, 5000, at);
  }
  assert.equal(calls("user_exists", "nobody") - mark, 1);
  sender.destroy();

  const text = await (await fetch(`http://127.0.0.1:${srv.httpPort}/metrics`)).text();
  assert.match(text, /^xha_auth_cache_hits_total\{method="user_exists"\} [4-9]\d*$/m);
  assert.match(text, /^xha_auth_cache_hits_total\{method="check_password"\} [1-9]\d*$/m);
  assert.match(text, /^xha_auth_cache_evictions_total\{method="check_password",reason="change"\} [1-9]\d*$/m);
  for (const secret of ["alice", "wonderland", "builder", "carol"]) assert.ok(!text.includes(secret), secret);
});

test("the cache is off by default: every login asks the API", async () => {
  const plain = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    hosts: { localhost: { http_auth_url: api.url } },
  });
  try {
    const mark = calls("check_password", "bob");
    for (let i = 0; i < 3; i++) {
      const c = await RawClient.connect(plain.tlsPort, { tls: true });
      c.open();
      await c.waitFor("</stream:features>");
      await c.login("bob", "builder");
      c.destroy();
    }
    assert.equal(calls("check_password", "bob") - mark, 3);
  } finally {
    await plain.stop();
  }
});
