// Regression: a SASL PLAIN authcid valid as a UsernameCaseMapped string but not as a localpart
// (`a@b`, `x/y`, `o'neil`, a 1,100-character name…) threw while the JID was built: the stream ended
// with internal-server-error and an error with a stack trace was logged, so anyone could flood the
// log. It must be a plain failed attempt: not-authorized, counted, no API call, no error logged.
// Also: the authzid was compared as a string, so `Alice@localhost` was not alice@localhost.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";

let api: TestAuthApi;
let srv: TestServer;

before(async () => {
  api = await startAuthApi({ "alice@localhost": "wonderland" });
  srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    hosts: { localhost: { authentication: "http", http_auth_url: api.url, sasl_max_failures: 3 } },
  });
});

after(async () => {
  await srv.stop();
  await api.close();
});

const BAD = ["a@b", "x/y", "o'neil", "a:b", '"', "&", "<", ">", "x".repeat(1100)];

function plain(authzid: string, authcid: string, password: string): string {
  const data = Buffer.from(`${authzid}\0${authcid}\0${password}`).toString("base64");
  return `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${data}</auth>`;
}

async function connected(): Promise<RawClient> {
  const c = await RawClient.connect(srv.tlsPort, { tls: true });
  c.open();
  await c.waitFor("</stream:features>");
  return c;
}

async function attempt(c: RawClient, auth: string): Promise<string> {
  const mark = c.received.length;
  c.write(auth);
  return c.waitFor(
    /<success[^>]*\/>|<failure[\s\S]*?<\/failure>|<stream:error>[\s\S]*?<\/stream:error>/,
    5000,
    mark,
  );
}

test("a name that cannot be a localpart is not-authorized, with no API call and no error logged", async () => {
  const requests = api.requests.length;
  const logs = srv.logs.length;
  for (const name of BAD) {
    const c = await connected();
    try {
      const outcome = await attempt(c, plain("", name, "pw"));
      assert.match(outcome, /^<failure[^>]*><not-authorized\/>/, name.slice(0, 20));
      // The stream goes on: the right credentials still log in on the same connection.
      assert.match(await attempt(c, plain("", "alice", "wonderland")), /^<success/, name.slice(0, 20));
    } finally {
      c.destroy();
    }
  }
  assert.equal(
    api.requests.length - requests,
    BAD.length,
    "one API call per good login, none for the bad names",
  );
  const lines = srv.logs.slice(logs);
  assert.deepEqual(
    lines.filter((l) => (JSON.parse(l) as { level: number }).level >= 40),
    [],
    "no warning or error",
  );
  assert.ok(
    !lines.some((l) => l.includes("o'neil") || l.includes("x".repeat(100))),
    "the names are not logged",
  );
});

test("each unusable name counts as a failed attempt", async () => {
  const c = await connected();
  try {
    for (const name of BAD.slice(0, 2))
      assert.match(await attempt(c, plain("", name, "pw")), /not-authorized/);
    assert.match(await attempt(c, plain("", BAD[2]!, "pw")), /not-authorized/);
    await c.waitFor("<policy-violation");
    await c.waitClosed();
  } finally {
    c.destroy();
  }
});

test("the authzid is compared after preparation", async () => {
  for (const authzid of ["alice@localhost", "Alice@localhost", "alice@LOCALHOST", "ALICE@LocalHost"]) {
    const c = await connected();
    try {
      assert.match(await attempt(c, plain(authzid, "Alice", "wonderland")), /^<success/, authzid);
    } finally {
      c.destroy();
    }
  }
  for (const authzid of ["bob@localhost", "alice@other.example", "alice@localhost/phone", "a@b@c", "@"]) {
    const c = await connected();
    try {
      assert.match(await attempt(c, plain(authzid, "alice", "wonderland")), /<invalid-authzid\/>/, authzid);
    } finally {
      c.destroy();
    }
  }
});
