// Interoperability of XEP-0050 (with XEP-0133 announce) and XEP-0352 with a client we did not write:
// Debian's python3-slixmpp and its xep_0050 and xep_0352 plugins. Skipped where slixmpp is missing.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { runSlixmpp, slixmppSkip as skip } from "../helpers/slixmpp.ts";

describe("slixmpp ad-hoc commands and CSI", { skip }, () => {
  let api: TestAuthApi;
  let srv: TestServer;
  before(async () => {
    api = await startAuthApi({ "alice@localhost": "wonderland", "bob@localhost": "builder" });
    srv = await startServer({
      certificate: TEST_CERT,
      key: TEST_KEY,
      admins: ["alice@localhost"],
      hosts: { localhost: { http_auth_url: api.url } },
    });
  });
  after(async () => {
    await srv.stop();
    await api.close();
  });

  test("a user lists the commands and runs ping; the server offers CSI", async () => {
    const r = await runSlixmpp("adhoc.py", "commands", "bob@localhost", "builder", srv.port);
    assert.equal(r.error, undefined);
    assert.equal(r.csi, true);
    assert.deepEqual(r.commands, ["ping"]);
    assert.equal(r.ping_status, "completed");
    assert.deepEqual(r.ping_notes, [["info", "Pong"]]);
  });

  test("an admin sees the admin commands and announces to the online sessions", async () => {
    const r = await runSlixmpp("adhoc.py", "commands", "alice@localhost", "wonderland", srv.port);
    assert.equal(r.error, undefined);
    assert.ok((r.commands as string[]).includes("http://jabber.org/protocol/admin#announce"));
    assert.equal(r.announce_status, "completed");
    assert.equal(r.announce_subject, "Notice");
  });
});
