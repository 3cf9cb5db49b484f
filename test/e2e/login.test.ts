// End to end: a real XMPP client library logs in through our server, which asks a real HTTP API.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { client, xml } from "@xmpp/client";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";

let api: TestAuthApi;
let srv: TestServer;

before(async () => {
  api = await startAuthApi({ "alice@localhost": "wonderland", "eve@localhost": "p äss&=+/?%" });
  srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    hosts: {
      localhost: {
        authentication: "http",
        http_auth_url: api.url,
        http_auth_credentials: "xmpp:s3cret",
        http_auth_timeout: 0.5,
      },
    },
  });
});

after(async () => {
  await srv.stop();
  await api.close();
});

type XmppClient = ReturnType<typeof client>;

async function login(opts: { service: string; username: string; password: string }): Promise<XmppClient> {
  const xmpp = client({ ...opts, domain: "localhost" });
  xmpp.on("error", () => {}); // failures surface through start()
  await xmpp.start();
  return xmpp;
}

async function loginError(username: string, password: string): Promise<string> {
  const xmpp = client({ service: `xmpp://127.0.0.1:${srv.port}`, domain: "localhost", username, password });
  xmpp.on("error", () => {});
  try {
    await xmpp.start();
    await xmpp.stop();
    return "logged in";
  } catch (err) {
    await xmpp.stop().catch(() => {});
    return (err as { condition?: string }).condition ?? String(err);
  }
}

test("logs in over STARTTLS and the session answers a ping", async () => {
  const xmpp = await login({
    service: `xmpp://127.0.0.1:${srv.port}`,
    username: "alice",
    password: "wonderland",
  });
  assert.match(String(xmpp.jid), /^alice@localhost\/.+/);
  const pong = await xmpp.iqCaller.get(xml("ping", { xmlns: "urn:xmpp:ping" }), "localhost");
  assert.equal(pong, undefined); // an empty result: XEP-0199 §4.2
  await xmpp.stop();
  const call = api.requests.at(-1);
  assert.equal(call?.path, "/auth/check_password");
  assert.deepEqual(call?.params, { user: "alice", pass: "wonderland", server: "localhost" });
  assert.equal(call?.headers.authorization, "Basic " + Buffer.from("xmpp:s3cret").toString("base64"));
});

test("logs in over direct TLS (XEP-0368)", async () => {
  const xmpp = await login({
    service: `xmpps://127.0.0.1:${srv.tlsPort}`,
    username: "alice",
    password: "wonderland",
  });
  assert.match(String(xmpp.jid), /^alice@localhost\//);
  await xmpp.stop();
});

test("reserved and non-ASCII characters in the password reach the API intact", async () => {
  // A raw client: @xmpp/client 0.14 base64-encodes PLAIN with btoa, i.e. Latin-1, not UTF-8 (RFC 4616).
  const c = await RawClient.connect(srv.tlsPort, { tls: true });
  c.open();
  await c.waitFor("</stream:features>");
  assert.match(await c.login("eve", "p äss&=+/?%"), /^eve@localhost\//);
  c.destroy();
  assert.equal(api.requests.at(-1)?.params.pass, "p äss&=+/?%");
});

test("the username is normalised before the API sees it (RFC 8265)", async () => {
  const xmpp = await login({
    service: `xmpp://127.0.0.1:${srv.port}`,
    username: "ALICE",
    password: "wonderland",
  });
  assert.match(String(xmpp.jid), /^alice@localhost\//);
  await xmpp.stop();
  assert.equal(api.requests.at(-1)?.params.user, "alice");
});

test("a wrong password is not-authorized", async () => {
  assert.equal(await loginError("alice", "WRONG"), "not-authorized");
});

test("an API that is down, broken or hung is temporary-auth-failure, never a login", async () => {
  for (const fault of ["500", "garbage", "hang"] as const) {
    api.fault = fault;
    try {
      assert.equal(await loginError("alice", "wonderland"), "temporary-auth-failure", `fault ${fault}`);
    } finally {
      api.fault = "none";
    }
  }
  const down = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    hosts: { localhost: { http_auth_url: "http://127.0.0.1:1/auth" } },
  });
  try {
    const xmpp = client({
      service: `xmpp://127.0.0.1:${down.port}`,
      domain: "localhost",
      username: "alice",
      password: "wonderland",
    });
    xmpp.on("error", () => {});
    await assert.rejects(
      xmpp.start(),
      (err: { condition?: string }) => err.condition === "temporary-auth-failure",
    );
    await xmpp.stop().catch(() => {});
  } finally {
    await down.stop();
  }
});

test("no log line holds a password, the Authorization header or a check_password URL", () => {
  const joined = srv.logs.join("\n");
  for (const secret of [
    "wonderland",
    "WRONG",
    "p äss",
    "s3cret",
    Buffer.from("xmpp:s3cret").toString("base64"),
    "check_password?",
    "pass=",
  ]) {
    assert.ok(!joined.includes(secret), `a log line contains ${JSON.stringify(secret)}`);
  }
  assert.ok(joined.includes("authenticated"), "the logs do record logins");
});
