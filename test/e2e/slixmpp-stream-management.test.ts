// Interoperability of XEP-0198 with a client we did not write: Debian's python3-slixmpp and its own
// xep_0198 plugin enable stream management with resumption and get every stanza acknowledged.
// Skipped where slixmpp is not installed; CI installs it (.ci/run).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { runSlixmpp, slixmppSkip as skip } from "../helpers/slixmpp.ts";

let api: TestAuthApi;
let srv: TestServer;
before(async () => {
  api = await startAuthApi({ "alice@localhost": "wonderland" });
  srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    hosts: { localhost: { http_auth_url: api.url } },
  });
});
after(async () => {
  await srv.stop();
  await api.close();
});

test("slixmpp enables stream management with resumption; acks count both ways", { skip }, async () => {
  const r = await runSlixmpp("stream-management.py", "acks", "alice@localhost", "wonderland", srv.port);
  assert.equal(r.enabled, true);
  assert.equal(r.resumable, true);
  // Six messages sent and acknowledged by the server; six received (to itself) and counted.
  assert.equal(r.last_ack, 6);
  assert.equal(r.received, 6);
  assert.ok((r.handled as number) >= 6);
});
