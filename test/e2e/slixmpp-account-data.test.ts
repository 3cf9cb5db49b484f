// Interoperability of XEP-0049, XEP-0054 and XEP-0191 with a client we did not write: Debian's
// python3-slixmpp and its own plugins, on SQLite and on PostgreSQL. Skipped where slixmpp is not
// installed; CI installs it (.ci/run).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { onEachStorage } from "../helpers/chat-stores.ts";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { runSlixmpp, slixmppSkip as skip } from "../helpers/slixmpp.ts";

function run(port: number, mode: string, jid: string, password: string, peer: string) {
  return runSlixmpp("account-data.py", mode, jid, password, port, peer);
}

function suite(storage: () => Record<string, unknown>, cleanup: () => Promise<void> = async () => {}): void {
  let api: TestAuthApi;
  let srv: TestServer;
  before(async () => {
    api = await startAuthApi({ "alice@localhost": "wonderland", "bob@localhost": "builder" });
    srv = await startServer({
      certificate: TEST_CERT,
      key: TEST_KEY,
      ...storage(),
      hosts: { localhost: { http_auth_url: api.url } },
    });
  });
  after(async () => {
    await srv.stop();
    await api.close();
    await cleanup();
  });

  test("slixmpp stores private XML and its vCard, and blocks and unblocks with pushes", async () => {
    const r = await run(srv.port, "store", "alice@localhost", "wonderland", "bob@localhost");
    assert.equal(r.error, undefined);
    for (const f of ["jabber:iq:private", "vcard-temp", "urn:xmpp:blocking"])
      assert.ok((r.features as string[]).includes(f), f);
    assert.equal(r.private, "remember the milk");
    assert.equal(r.own_fn, "Alice Liddell");
    assert.deepEqual(r.before, []);
    assert.equal(r.block_push, true);
    assert.deepEqual(r.blocked, ["bob@localhost"]);
    assert.equal(r.unblock_push, true);
    assert.deepEqual(r.after, []);
    // Another account reads the vCard by bare JID; an unknown account is service-unavailable.
    const peer = await run(srv.port, "peer", "bob@localhost", "builder", "alice@localhost");
    assert.equal(peer.peer_fn, "Alice Liddell");
    const none = await run(srv.port, "peer", "bob@localhost", "builder", "nobody@localhost");
    assert.equal(none.error, "service-unavailable");
  });
}

onEachStorage("slixmpp account data", suite, skip);
