// Prosody's `certificates` directory layouts, and a parent domain's files for a subdomain they cover.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findHostCertificate } from "../../src/tls/certificates-dir.ts";
import { parseAdminConfig } from "../../src/admin/config.ts";

test("<host>.crt/.key wins over <host>/fullchain.pem; a subdomain uses its parent's only when covered", () => {
  const dir = mkdtempSync(join(tmpdir(), "xha-certs-"));
  try {
    assert.equal(findHostCertificate(dir, "example.com"), undefined);
    mkdirSync(join(dir, "example.com"));
    writeFileSync(join(dir, "example.com", "fullchain.pem"), "x");
    writeFileSync(join(dir, "example.com", "privkey.pem"), "x");
    assert.deepEqual(findHostCertificate(dir, "example.com"), {
      certPath: join(dir, "example.com", "fullchain.pem"),
      keyPath: join(dir, "example.com", "privkey.pem"),
    });
    writeFileSync(join(dir, "example.com.crt"), "x");
    assert.equal(
      findHostCertificate(dir, "example.com")?.certPath,
      join(dir, "example.com", "fullchain.pem"),
    );
    writeFileSync(join(dir, "example.com.key"), "x");
    assert.equal(findHostCertificate(dir, "example.com")?.certPath, join(dir, "example.com.crt"));
    // example.org's certificate naming conference.example.org serves it, but not pubsub.example.org.
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1"].concat(
        [
          "-subj",
          "/CN=example.org",
          "-addext",
          "subjectAltName=DNS:example.org,DNS:conference.example.org",
          "-keyout",
          join(dir, "example.org.key"),
          "-out",
          join(dir, "example.org.crt"),
        ],
      ),
      { stdio: "ignore" },
    );
    assert.equal(findHostCertificate(dir, "conference.example.org")?.certPath, join(dir, "example.org.crt"));
    assert.equal(
      findHostCertificate(dir, "pubsub.example.org"),
      undefined,
      "the parent's certificate does not name it",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("[admin]: loopback by default; another address needs a token; errors name the key", () => {
  assert.equal(parseAdminConfig(undefined, "f.toml"), undefined);
  assert.deepEqual(parseAdminConfig({}, "f.toml"), {
    interfaces: ["127.0.0.1"],
    port: 5290,
    token: undefined,
  });
  assert.throws(
    () => parseAdminConfig({ interfaces: ["0.0.0.0"] }, "f.toml"),
    /f\.toml: admin\.token is required/,
  );
  assert.throws(
    () => parseAdminConfig({ token: "short" }, "f.toml"),
    /admin\.token must be a string of at least 16/,
  );
  assert.throws(() => parseAdminConfig({ prot: 1 }, "f.toml"), /admin\.prot is not a known option/);
  assert.equal(
    parseAdminConfig({ interfaces: ["*"], token: "x".repeat(16) }, "f.toml")?.token,
    "x".repeat(16),
  );
});
