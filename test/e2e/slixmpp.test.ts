// Interoperability with a client we did not write: Debian's python3-slixmpp logs in over STARTTLS
// with certificate verification, pings, reads disco, version and roster, sends itself a message, and
// registers a new account in-band. Skipped where slixmpp is not installed; CI installs it (.ci/run).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";

const PYTHON = "/usr/bin/python3"; // Debian's, which sees Debian's python3-slixmpp
const SCRIPT = fileURLToPath(new URL("../fixtures/slixmpp/client.py", import.meta.url));
const CA = fileURLToPath(new URL("../fixtures/tls/ca.crt", import.meta.url));

function slixmppMissing(): string | false {
  const probe = spawnSync(PYTHON, ["-c", "import slixmpp"], { stdio: "ignore" });
  if (probe.status === 0) return false;
  const reason = "python3-slixmpp is not installed (apt-get install python3-slixmpp)";
  if (process.env.CI === "true") throw new Error(`CI must run the slixmpp tests: ${reason}`);
  return reason;
}
const skip = slixmppMissing();

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
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT, mode, jid, password, String(srv.port), CA], {
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
