// SCRAM with credentials from the API (http_auth_scram): authd hands out MongooseIM-serialised
// SCRAM credentials through get_password and never sees the password at login. Real parts: authd on
// SQLite, our server over TLS, @xmpp/client (SCRAM-SHA-1), slixmpp (SCRAM-SHA-256 and -1) and a raw
// SCRAM client that checks every step.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { client } from "@xmpp/client";
import { parseAuthdConfig } from "../../src/authd/config.ts";
import { createAuthd, type Authd } from "../../src/authd/service.ts";
import { createPasswordHasher } from "../../src/authd/password-hasher.ts";
import { openStore } from "../../src/authd/store/open.ts";
import type { AccountStore } from "../../src/authd/store/store.ts";
import { captureLogs, SMALL_ARGON2 } from "../unit/authd-helpers.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { clientBinding, scramLogin } from "../helpers/scram-client.ts";
import { runSlixmpp, slixmppSkip as noSlixmpp } from "../helpers/slixmpp.ts";

let dir: string;
let store: AccountStore;
let authd: Authd;
let authdLogs: () => string;
let srv: TestServer;
let odd: Server;
let oddUrl: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "xha-scram-"));
  const config = parseAuthdConfig(
    {
      port: 0,
      domains: ["localhost", "example.com"],
      argon2_memory_kib: SMALL_ARGON2.memoryKib,
      argon2_iterations: SMALL_ARGON2.iterations,
      scram_iterations: 4096,
      database: `sqlite:${join(dir, "authd.sqlite")}`,
    },
    "test.toml",
    { dataPath: dir },
  );
  store = await openStore(config.database);
  const { logger, text } = captureLogs();
  authdLogs = text;
  authd = await createAuthd({ config, logger, store });
  for (const [user, pass, server] of [
    ["alice", "wonderland", "localhost"],
    ["bob", "builder", "localhost"],
    ["alice", "wonderland", "example.com"],
  ]) {
    const r = await fetch(`${authd.url}/register`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `user=${user}&server=${server}&pass=${pass}`,
    });
    assert.equal(r.status, 201);
  }
  // An account from before schema version 3: a hash, no SCRAM credentials yet.
  const hasher = await createPasswordHasher(SMALL_ARGON2);
  await store.create("localhost", "olduser", await hasher.hash("0ld-pass"));

  // An API whose get_password answers a plaintext password, or 501: both refused.
  odd = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const user = url.searchParams.get("user");
    if (url.pathname.endsWith("/get_password")) {
      if (user === "plain") return void res.writeHead(200).end("wonderland");
      return void res.writeHead(501).end("not implemented");
    }
    res.writeHead(200).end("true");
  });
  await new Promise<void>((resolve) => odd.listen(0, "127.0.0.1", resolve));
  oddUrl = `http://127.0.0.1:${(odd.address() as AddressInfo).port}/auth`;

  srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    limit_auth_max: 0, // this file fails on purpose more often than the address limit allows
    hosts: {
      localhost: { http_auth_url: authd.url, http_auth_scram: true, sasl_max_failures: 10 },
      "odd.localhost": { http_auth_url: oddUrl, http_auth_scram: true, disable_sasl_mechanisms: ["PLAIN"] },
      // slixmpp 1.8 knows only tls-unique (absent from TLS 1.3) and no XEP-0440: with -PLUS offered
      // it sends "y", which RFC 5802 §6 makes a downgrade. A host serving it goes without -PLUS.
      "example.com": {
        http_auth_url: authd.url,
        http_auth_scram: true,
        disable_sasl_mechanisms: ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS"],
      },
    },
  });
});

after(async () => {
  await srv.stop();
  await authd.close();
  await store.close();
  await new Promise<void>((resolve) => odd.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

async function connected(host = "localhost"): Promise<RawClient> {
  const c = await RawClient.connect(srv.tlsPort, { tls: true });
  c.open(host);
  await c.waitFor("</stream:features>");
  return c;
}

const methodsCalled = (since: number): string[] =>
  authdLogs()
    .slice(since)
    .split("\n")
    .flatMap((l) => (l.includes('"auth request"') ? [/"method":"([a-z_]+)"/.exec(l)?.[1] ?? ""] : []));

test("SCRAM-*-PLUS, SCRAM-* and PLAIN are offered, strongest first, with XEP-0440's binding types; PLAIN can be taken away", async () => {
  const c = await connected();
  const offered = [...c.received.matchAll(/<mechanism>([^<]+)<\/mechanism>/g)].map((m) => m[1]);
  assert.deepEqual(offered, [
    "SCRAM-SHA-256-PLUS",
    "SCRAM-SHA-1-PLUS",
    "SCRAM-SHA-256",
    "SCRAM-SHA-1",
    "PLAIN",
  ]);
  assert.match(
    c.received,
    /<sasl-channel-binding xmlns="urn:xmpp:sasl-cb:0"><channel-binding type="tls-exporter"\/><channel-binding type="tls-server-end-point"\/><\/sasl-channel-binding>/,
  );
  c.close();
  const d = await connected("odd.localhost");
  assert.match(d.received, /<mechanism>SCRAM-SHA-1<\/mechanism><\/mechanisms>/);
  const mark = d.received.length;
  d.write(
    `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from("\0a\0b").toString("base64")}</auth>`,
  );
  assert.match(await d.waitFor(/<failure[\s\S]*?<\/failure>/, 5000, mark), /<invalid-mechanism\/>/);
  d.close();
});

for (const hash of ["sha256", "sha1"] as const) {
  test(`${hash}: a raw client logs in with get_password only, and the server's signature checks out`, async () => {
    const since = authdLogs().length;
    const c = await connected();
    const r = await scramLogin(c, hash, "alice", "wonderland");
    assert.deepEqual([r.result, r.serverVerified], ["success", true]);
    assert.match(r.serverFirst ?? "", /,i=4096,h=[A-Za-z0-9+/]+=*$/);
    assert.deepEqual(methodsCalled(since), ["get_password"]);
    c.close();
  });
}

for (const type of ["tls-exporter", "tls-server-end-point"] as const) {
  test(`SCRAM-SHA-256-PLUS and SCRAM-SHA-1-PLUS with ${type}: bound to this connection`, async () => {
    for (const hash of ["sha256", "sha1"] as const) {
      const c = await connected();
      const binding = { type, data: clientBinding(c, type) };
      const r = await scramLogin(c, hash, "alice", "wonderland", { binding });
      assert.deepEqual([r.result, r.serverVerified], ["success", true], hash);
      c.close();
      // Data from another connection (a relay in the middle would have its own) is refused.
      const d = await connected();
      const wrong = { type, data: Buffer.alloc(binding.data.length, 7) };
      assert.equal(
        (await scramLogin(d, hash, "alice", "wonderland", { binding: wrong })).result,
        "malformed-request",
      );
      d.close();
    }
  });
}

test("channel binding: an unknown type, binding on a plain mechanism and a 'y' where -PLUS was offered fail", async () => {
  const c = await connected();
  const junk = { type: "tls-unique", data: Buffer.alloc(12) };
  assert.equal(
    (await scramLogin(c, "sha256", "alice", "wonderland", { binding: junk })).result,
    "malformed-request",
  );
  // RFC 5802 §6: "y" says the client saw no binding on offer; here it was offered, so it was stripped.
  assert.equal(
    (await scramLogin(c, "sha256", "alice", "wonderland", { flag: "y" })).result,
    "malformed-request",
  );
  c.close();
  // Where -PLUS is not offered, "y" is an honest client's flag.
  const d = await connected("example.com");
  assert.doesNotMatch(d.received, /PLUS|sasl-channel-binding/);
  assert.equal((await scramLogin(d, "sha256", "alice", "wonderland", { flag: "y" })).result, "success");
  d.close();
});

test("a wrong password is not-authorized; an unknown user gets a challenge first, the same each time", async () => {
  const c = await connected();
  assert.equal((await scramLogin(c, "sha256", "alice", "wrong")).result, "not-authorized");
  assert.equal(
    (await scramLogin(c, "sha256", "alice", "wonderland", { tamper: true })).result,
    "not-authorized",
  );
  const ghost1 = await scramLogin(c, "sha256", "nobody", "x");
  const ghost2 = await scramLogin(c, "sha256", "nobody", "x");
  assert.equal(ghost1.result, "not-authorized");
  const salt = (s: string | undefined): string => /,s=([^,]+),/.exec(s ?? "")?.[1] ?? "";
  assert.ok(salt(ghost1.serverFirst) !== "" && salt(ghost1.serverFirst) === salt(ghost2.serverFirst));
  assert.match(ghost1.serverFirst ?? "", /,i=4096,h=[A-Za-z0-9+/]+=*$/); // the count real accounts show
  c.close();
});

test("an account older than SCRAM gets its credentials at its next PLAIN login", async () => {
  const c = await connected();
  assert.equal((await scramLogin(c, "sha1", "olduser", "0ld-pass")).result, "not-authorized");
  c.close();
  const p = await connected();
  await p.login("olduser", "0ld-pass");
  p.close();
  assert.ok(typeof (await store.getScram?.("localhost", "olduser")) === "string");
  const s = await connected();
  assert.equal((await scramLogin(s, "sha256", "olduser", "0ld-pass")).result, "success");
  s.close();
});

test("an API that answers get_password with a plaintext password or 501 is refused", async () => {
  const c = await connected("odd.localhost");
  assert.equal((await scramLogin(c, "sha1", "plain", "wonderland")).result, "temporary-auth-failure");
  assert.equal((await scramLogin(c, "sha1", "other", "x")).result, "temporary-auth-failure");
  c.close();
  const lines = srv.logs.join("\n");
  assert.doesNotMatch(lines, /wonderland/);
  assert.match(lines, /does not implement get_password/);
});

test("@xmpp/client logs in with SCRAM-SHA-1", async () => {
  const since = authdLogs().length;
  const xmpp = client({
    service: `xmpp://127.0.0.1:${srv.port}`,
    domain: "localhost",
    username: "bob",
    password: "builder",
  });
  xmpp.on("error", () => {});
  await xmpp.start();
  assert.match(String(xmpp.jid), /^bob@localhost\//);
  await xmpp.stop();
  assert.deepEqual(methodsCalled(since), ["get_password"]);
  assert.ok(srv.logs.some((l) => l.includes('"mechanism":"SCRAM-SHA-1"') && l.includes("bob@localhost")));
});

function slixmpp(jid: string, password: string, mechanism: string): Promise<Record<string, unknown>> {
  return runSlixmpp("client.py", "login", jid, password, srv.port, mechanism);
}

for (const mechanism of ["SCRAM-SHA-256", "SCRAM-SHA-1"]) {
  test(`slixmpp logs in with ${mechanism}; a wrong password is refused`, { skip: noSlixmpp }, async () => {
    const r = await slixmpp("alice@example.com", "wonderland", mechanism);
    assert.match(String(r.jid), /^alice@example\.com\/.+/);
    assert.equal(r.message, true);
    assert.ok(srv.logs.some((l) => l.includes(`"mechanism":"${mechanism}"`)));
    const w = await slixmpp("alice@example.com", "wrong", mechanism);
    assert.equal(w.failed_auth, true);
  });
}

test("PLAIN clients keep working on a SCRAM host", async () => {
  const c = await connected();
  await c.login("alice", "wonderland");
  c.close();
});

test("XEP-0474: the h= in server-first is the hash of what this client was shown; a stripped list is detected", async () => {
  for (const host of ["localhost", "example.com"]) {
    for (const hash of ["sha256", "sha1"] as const) {
      const c = await connected(host);
      const features = c.received;
      const binding =
        host === "localhost" ? { type: "tls-exporter", data: clientBinding(c, "tls-exporter") } : undefined;
      const r = await scramLogin(c, hash, "alice", "wonderland", { features, ...(binding && { binding }) });
      assert.deepEqual([host, r.result, r.serverVerified], [host, "success", true]);
      c.close();
    }
  }
  // A man in the middle took the -PLUS mechanisms out of the list: the client notices before its proof.
  const c = await connected();
  const stripped = c.received.replace(/<mechanism>SCRAM-SHA-(1|256)-PLUS<\/mechanism>/g, "");
  assert.equal(
    (await scramLogin(c, "sha256", "alice", "wonderland", { features: stripped })).result,
    "ssdp-mismatch",
  );
  c.close();
});
