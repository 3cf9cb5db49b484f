// Interoperability of XEP-0313 with a client we did not write: Debian's python3-slixmpp and its
// xep_0313 plugin pages through an archive filled by @xmpp/client, forwards and backwards (XEP-0059),
// on SQLite and on PostgreSQL. Skipped where slixmpp is not installed; CI installs it (.ci/run).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { onEachStorage } from "../helpers/chat-stores.ts";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { ChatClient, xml } from "../helpers/chat-client.ts";
import { runSlixmpp, slixmppSkip as skip } from "../helpers/slixmpp.ts";

const BODIES = ["one", "two", "three", "four", "five", "six", "seven"];

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

  test("slixmpp's xep_0313 pages through the archive both ways", async () => {
    // Bob is offline: the messages are archived for both and kept for him.
    const alice = await ChatClient.login(srv.port, "alice", "wonderland");
    try {
      for (const body of BODIES)
        await alice.send(xml("message", { to: "bob@localhost", type: "chat" }, xml("body", {}, body)));
      // Handled in order: the ping's answer means every message is archived.
      await alice.iq(xml("iq", { type: "get", to: "localhost" }, xml("ping", { xmlns: "urn:xmpp:ping" })));
    } finally {
      await alice.stop();
    }
    const r = await runSlixmpp("mam.py", "history", "bob@localhost", "builder", srv.port, "alice@localhost");
    assert.equal(r.error, undefined);
    assert.ok((r.features as string[]).includes("urn:xmpp:mam:2"));
    const forwards = r.forwards as [string, string][];
    assert.deepEqual(
      forwards.map(([, body]) => body),
      BODIES,
    );
    assert.equal(new Set(forwards.map(([id]) => id)).size, BODIES.length);
    assert.deepEqual(r.backwards, [...BODIES].reverse());
  });
}

onEachStorage("slixmpp MAM", suite, skip);
