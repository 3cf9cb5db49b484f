// Regression: authd.sqlite (the password hashes) and xmpp.sqlite were created 0644, readable by every
// local user, and the data directory 0755. A new data directory must be 0700, new database files
// (with SQLite's -wal and -shm) 0600, and the generated TLS private key 0600. The umask is set to the
// common 022 here so that the test would see the old modes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuthd } from "../../src/authd/service.ts";
import { parseAuthdConfig } from "../../src/authd/config.ts";
import { openSqliteChatStore } from "../../src/storage/sqlite.ts";
import { loadTlsMaterial } from "../../src/tls/credentials.ts";
import { silentLogger } from "../../src/log.ts";
import { SMALL_ARGON2 } from "../unit/authd-helpers.ts";

let root: string;
let umask: number;

before(() => {
  umask = process.umask(0o022);
  root = mkdtempSync(join(tmpdir(), "xha-modes-"));
});

after(() => {
  process.umask(umask);
  rmSync(root, { recursive: true, force: true });
});

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

test("authd's SQLite database: directory 0700, files 0600", async () => {
  const dir = join(root, "authd", "data");
  const config = parseAuthdConfig(
    {
      port: 0,
      domains: ["example.com"],
      argon2_memory_kib: SMALL_ARGON2.memoryKib,
      argon2_iterations: SMALL_ARGON2.iterations,
    },
    "test.toml",
    { dataPath: dir },
  );
  const authd = await createAuthd({ config, logger: silentLogger() });
  try {
    const r = await fetch(`${new URL(authd.url).origin}/auth/register`, {
      method: "POST",
      body: "user=alice&pass=wonderland&server=example.com",
    });
    assert.equal(r.status, 201);
    assert.equal(mode(join(root, "authd")), "700");
    assert.equal(mode(dir), "700");
    for (const f of ["authd.sqlite", "authd.sqlite-wal", "authd.sqlite-shm"]) {
      assert.ok(existsSync(join(dir, f)), f);
      assert.equal(mode(join(dir, f)), "600", f);
    }
  } finally {
    await authd.close();
  }
});

test("the server's SQLite store: directory 0700, files 0600", async () => {
  const dir = join(root, "server");
  const store = openSqliteChatStore(join(dir, "xmpp.sqlite"));
  try {
    assert.equal(mode(dir), "700");
    for (const f of ["xmpp.sqlite", "xmpp.sqlite-wal", "xmpp.sqlite-shm"])
      assert.equal(mode(join(dir, f)), "600", f);
  } finally {
    await store.close();
  }
});

test("an existing database keeps the mode its operator gave it", async () => {
  const dir = join(root, "existing");
  const store0 = openSqliteChatStore(join(dir, "xmpp.sqlite"));
  await store0.close();
  const { chmodSync } = await import("node:fs");
  chmodSync(join(dir, "xmpp.sqlite"), 0o640);
  const store = openSqliteChatStore(join(dir, "xmpp.sqlite"));
  await store.close();
  assert.equal(mode(join(dir, "xmpp.sqlite")), "640");
});

test("the generated private key is 0600, also when an old key file was in the way", async () => {
  const dataPath = join(root, "tls");
  const material = await loadTlsMaterial({
    certificate: undefined,
    key: undefined,
    dataPath,
    hosts: ["localhost"],
    logger: silentLogger(),
  });
  const key = join(dataPath, "certs", "selfsigned.key");
  assert.equal(mode(dataPath), "700");
  assert.equal(mode(join(dataPath, "certs")), "700");
  assert.equal(mode(key), "600");
  assert.equal(mode(material.certPath), "644");
  // A key left readable (by an older version or by hand) beside a certificate that must be renewed.
  writeFileSync(material.certPath, "not a certificate");
  rmSync(key);
  writeFileSync(key, "old", { mode: 0o644 });
  await loadTlsMaterial({
    certificate: undefined,
    key: undefined,
    dataPath,
    hosts: ["localhost"],
    logger: silentLogger(),
  });
  assert.equal(mode(key), "600");
});
