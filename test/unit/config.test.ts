// The configuration is validated once, up front: every mistake names the file and the key.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadServerConfig, parseServerConfig } from "../../src/config/load.ts";
import { isXhaError } from "../../src/errors.ts";

const host = { authentication: "http", http_auth_url: "http://127.0.0.1:5380/auth" };

function rejects(doc: Record<string, unknown>, message: RegExp): void {
  assert.throws(
    () => parseServerConfig(doc, "my.toml"),
    (err: unknown) => isXhaError(err, "XHA_CONFIG_INVALID") && message.test(err.message),
  );
}

test("defaults follow Prosody's, and host options inherit top-level values", () => {
  const c = parseServerConfig(
    { http_auth_timeout: 2, hosts: { "Example.COM": host, "b.example": { ...host, http_auth_timeout: 9 } } },
    "my.toml",
  );
  assert.deepEqual(c.global.c2s_ports, [5222]);
  assert.deepEqual(c.global.c2s_direct_tls_ports, [5223]);
  assert.equal(c.global.c2s_stanza_size_limit, 262144);
  assert.equal(c.global.c2s_timeout, 300);
  const a = c.hosts.get("example.com");
  assert.ok(a, "host names are prepared (lower case)");
  assert.equal(a.c2s_require_encryption, true);
  assert.equal(a.allow_unencrypted_plain_auth, false);
  assert.equal(a.http_auth_tls_verify, true);
  assert.equal(a.http_auth_timeout, 2);
  assert.equal(c.hosts.get("b.example")?.http_auth_timeout, 9);
  assert.ok(
    Object.isFrozen(c) &&
      Object.isFrozen(c.global) &&
      Object.isFrozen(a) &&
      Object.isFrozen(c.global.c2s_ports),
  );
});

test("unknown keys are refused with a suggestion", () => {
  rejects(
    { c2s_prots: [5222], hosts: { "example.com": host } },
    /^my\.toml: c2s_prots is not a known option \(did you mean "c2s_ports"\?\)/,
  );
  rejects(
    { hosts: { "example.com": { ...host, http_auth_timout: 3 } } },
    /hosts\."example\.com"\.http_auth_timout is not a per-host option \(did you mean "http_auth_timeout"\?\)/,
  );
  rejects(
    { hosts: { "example.com": { ...host, c2s_ports: [1] } } },
    /c2s_ports is not a per-host option \(it is a server-wide option/,
  );
});

test("wrong types and bad values name the key", () => {
  rejects({ c2s_ports: "5222", hosts: { "example.com": host } }, /my\.toml: c2s_ports must be a list/);
  rejects(
    { c2s_ports: [70000], hosts: { "example.com": host } },
    /c2s_ports item 1 must be a whole number from 0 to 65535/,
  );
  rejects({ log_level: "loud", hosts: { "example.com": host } }, /log_level must be one of/);
  rejects(
    { hosts: { "example.com": { ...host, http_auth_url: "ftp://x" } } },
    /http_auth_url must be an http:\/\/ or https:\/\/ URL/,
  );
  rejects(
    { hosts: { "example.com": { ...host, http_auth_url: "not a url" } } },
    /http_auth_url is not a valid URL/,
  );
  rejects(
    { hosts: { "example.com": { ...host, http_auth_url: "http://u:p@x/auth" } } },
    /must not hold credentials/,
  );
  rejects(
    { hosts: { "example.com": { ...host, http_auth_credentials: "nocolon" } } },
    /http_auth_credentials must look like "user:secret"/,
  );
  rejects({ hosts: { "example.com": { authentication: "http" } } }, /http_auth_url is required/);
  rejects(
    { hosts: { "example.com": { ...host, authentication: "ldap" } } },
    /authentication must be one of "http"/,
  );
  rejects({ certificate: "/x.pem", hosts: { "example.com": host } }, /key must be set together/);
  rejects({}, /hosts must define at least one host/);
  rejects({ hosts: { "bad host!": host } }, /hosts\."bad host!" is not a valid host name/);
});

test("$host may appear in http_auth_url", () => {
  const c = parseServerConfig(
    { hosts: { "example.com": { http_auth_url: "https://api.example.net/$host/auth/" } } },
    "my.toml",
  );
  assert.equal(c.hosts.get("example.com")?.http_auth_url, "https://api.example.net/$host/auth/");
});

test("files: unreadable and invalid TOML are reported with the path", () => {
  const dir = mkdtempSync(join(tmpdir(), "xha-config-"));
  assert.throws(
    () => loadServerConfig(join(dir, "missing.toml")),
    (e: unknown) =>
      isXhaError(e, "XHA_CONFIG_UNREADABLE") && /missing\.toml: cannot read: ENOENT/.test(e.message),
  );
  const bad = join(dir, "bad.toml");
  writeFileSync(bad, "c2s_ports = [5222\n");
  assert.throws(
    () => loadServerConfig(bad),
    (e: unknown) => isXhaError(e, "XHA_CONFIG_UNREADABLE") && e.message.startsWith(`${bad}: not valid TOML`),
  );
  const good = join(dir, "good.toml");
  writeFileSync(
    good,
    '[hosts."example.com"]\nhttp_auth_url = "http://127.0.0.1:5380/auth"\n\n[authd]\nport = 5380\n',
  );
  const c = loadServerConfig(good);
  assert.deepEqual({ ...(c.tables.authd as object) }, { port: 5380 });
});
