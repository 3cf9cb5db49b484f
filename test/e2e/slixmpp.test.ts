// Interoperability with a client we did not write: Debian's python3-slixmpp logs in over STARTTLS
// with certificate verification, pings, reads disco, version and roster, sends itself a message, and
// registers a new account in-band. Skipped where slixmpp is not installed; CI installs it (.ci/run).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { runSlixmpp, slixmppSkip as skip } from "../helpers/slixmpp.ts";

let api: TestAuthApi;
let srv: TestServer;

before(async () => {
  if (skip !== false) return;
  api = await startAuthApi({ "alice@localhost": "wonderland" });
  srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    hosts: { localhost: { http_auth_url: api.url, allow_registration: true } },
  });
});

after(async () => {
  if (skip !== false) return;
  await srv.stop();
  await api.close();
});

function slixmpp(mode: string, jid: string, password: string): Promise<Record<string, unknown>> {
  return runSlixmpp("client.py", mode, jid, password, srv.port);
}

test("slixmpp logs in, pings, reads disco, version and roster, and messages itself", { skip }, async () => {
  const r = await slixmpp("login", "alice@localhost", "wonderland");
  assert.match(String(r.jid), /^alice@localhost\/.+/);
  assert.equal(r.ping, true);
  assert.ok((r.features as string[]).includes("urn:xmpp:ping"));
  assert.equal(r.software, "xmpp-http-auth");
  assert.equal(r.roster, true);
  assert.equal(r.message, true);
});

test("slixmpp with a wrong password is refused", { skip }, async () => {
  const r = await slixmpp("login", "alice@localhost", "not-the-password");
  assert.equal(r.failed_auth, true);
  assert.equal(r.jid, undefined);
});

test("slixmpp registers an account in-band (XEP-0077) and logs in with it", { skip }, async () => {
  const r = await slixmpp("register", "carol@localhost", "c4rol");
  assert.equal(r.registered, true);
  assert.match(String(r.jid), /^carol@localhost\//);
  assert.equal(api.users.get("carol@localhost"), "c4rol");
});
