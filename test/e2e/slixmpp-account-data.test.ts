// Interoperability of XEP-0049, XEP-0054 and XEP-0191 with a client we did not write: Debian's
// python3-slixmpp and its own plugins, on SQLite and on PostgreSQL. Skipped where slixmpp is not
// installed; CI installs it (.ci/run).
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { PG_URL, dropSchema, pgSkip, uniqueSchema } from "../helpers/postgres.ts";

const PYTHON = "/usr/bin/python3"; // Debian's, which sees Debian's python3-slixmpp
const SCRIPT = fileURLToPath(new URL("../fixtures/slixmpp/account-data.py", import.meta.url));
const CA = fileURLToPath(new URL("../fixtures/tls/ca.crt", import.meta.url));

function slixmppMissing(): string | false {
  const probe = spawnSync(PYTHON, ["-c", "import slixmpp"], { stdio: "ignore" });
  if (probe.status === 0) return false;
  const reason = "python3-slixmpp is not installed (apt-get install python3-slixmpp)";
  if (process.env.CI === "true") throw new Error(`CI must run the slixmpp tests: ${reason}`);
  return reason;
}
const skip = slixmppMissing();

function run(port: number, mode: string, jid: string, password: string, peer: string) {
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT, mode, jid, password, String(port), CA, peer], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code) => {
      try {
        resolve(JSON.parse(out.trim().split("\n").pop() ?? "") as Record<string, unknown>);
      } catch {
        reject(new Error(`slixmpp exited ${code}: ${out}${err}`));
      }
    });
  });
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

describe("slixmpp account data on SQLite", { skip }, () => suite(() => ({})));

const schema = uniqueSchema("xha_slix_data");
describe("slixmpp account data on PostgreSQL", { skip: skip || pgSkip }, () =>
  suite(
    () => ({ storage: "sql", sql: `${PG_URL}?schema=${schema}` }),
    () => dropSchema(schema),
  ),
);
