// The [authd] table: defaults, validation naming file and key, a frozen result.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  defaultAuthdConfig,
  DEFAULT_DATA_PATH,
  isExposedWithoutCredentials,
  parseAuthdConfig,
} from "../../src/authd/config.ts";
import { isXhaError } from "../../src/errors.ts";

const D = { dataPath: "/var/lib/xha" };

void test("defaults", () => {
  const c = parseAuthdConfig(undefined, "x.toml", D);
  assert.deepEqual(c, {
    interfaces: ["127.0.0.1"],
    port: 5380,
    path: "/auth",
    database: "sqlite:/var/lib/xha/authd.sqlite",
    domains: ["localhost"],
    argon2: { memoryKib: 19456, iterations: 2, parallelism: 1 },
    lockout: { maxFailures: 5, baseSeconds: 1, maxSeconds: 300 },
    maxBodyBytes: 8192,
    scramIterations: 10000,
  });
  assert.equal(DEFAULT_DATA_PATH, "data");
  assert.equal(defaultAuthdConfig().database, "sqlite:data/authd.sqlite");
  assert.equal(isExposedWithoutCredentials(c), false);
});

void test("every key is read", () => {
  const c = parseAuthdConfig(
    {
      interfaces: ["0.0.0.0", "::1"],
      port: 0,
      path: "/api/auth/",
      credentials: "prosody:s3cret",
      database: "postgres://db.internal/xha?schema=authd",
      domains: ["Example.COM", "chat.example.com"],
      argon2_memory_kib: 65536,
      argon2_iterations: 3,
      argon2_parallelism: 4,
      lockout_max_failures: 0,
      lockout_base_seconds: 0.5,
      lockout_max_seconds: 60,
      max_body_bytes: 4096,
      scram_iterations: 20000,
    },
    "x.toml",
    D,
  );
  assert.equal(c.path, "/api/auth");
  assert.deepEqual(c.domains, ["example.com", "chat.example.com"]);
  assert.equal(c.credentials, "prosody:s3cret");
  assert.deepEqual(c.argon2, { memoryKib: 65536, iterations: 3, parallelism: 4 });
  assert.deepEqual(c.lockout, { maxFailures: 0, baseSeconds: 0.5, maxSeconds: 60 });
  assert.equal(c.maxBodyBytes, 4096);
  assert.equal(c.scramIterations, 20000);
  assert.throws(() => parseAuthdConfig({ scram_iterations: 4095 }, "x.toml", D), /authd\.scram_iterations/);
  assert.equal(isExposedWithoutCredentials(c), false);
  assert.equal(isExposedWithoutCredentials({ ...c, credentials: undefined }), true);
});

void test("the result is frozen, deeply", () => {
  const c = parseAuthdConfig({}, "x.toml", D);
  assert.ok(
    Object.isFrozen(c) &&
      Object.isFrozen(c.interfaces) &&
      Object.isFrozen(c.argon2) &&
      Object.isFrozen(c.lockout),
  );
  assert.throws(() => (c.domains as string[]).push("evil.test"));
});

void test("unknown keys, wrong types and bad values name the file and the key", () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ prot: 5281 }, /^x\.toml: authd\.prot: unknown key/],
    [{ port: "5281" }, /^x\.toml: authd\.port: must be an integer$/],
    [{ port: 70000 }, /^x\.toml: authd\.port: must be between 0 and 65535, not 70000$/],
    [{ port: 1.5 }, /^x\.toml: authd\.port: must be an integer$/],
    [{ interfaces: "127.0.0.1" }, /^x\.toml: authd\.interfaces: must be an array of strings$/],
    [{ interfaces: [] }, /^x\.toml: authd\.interfaces: must not be empty$/],
    [{ interfaces: ["localhost"] }, /^x\.toml: authd\.interfaces: not an IP address/],
    [{ path: "auth" }, /^x\.toml: authd\.path: must be an absolute URL path/],
    [{ path: "/healthz" }, /^x\.toml: authd\.path:/],
    [{ credentials: "nocolon" }, /^x\.toml: authd\.credentials: must be "user:secret"$/],
    [{ credentials: 42 }, /^x\.toml: authd\.credentials: must be a string$/],
    [{ database: "mysql://x" }, /^x\.toml: authd\.database: must be sqlite:PATH or postgres/],
    [{ domains: ["exa mple.com"] }, /^x\.toml: authd\.domains: not a host name/],
    [{ domains: [1] }, /^x\.toml: authd\.domains: must be an array of strings$/],
    [{ argon2_memory_kib: 4 }, /^x\.toml: authd\.argon2_memory_kib: must be between/],
    [
      { argon2_memory_kib: 16, argon2_parallelism: 4 },
      /^x\.toml: authd\.argon2_memory_kib: must be at least 8/,
    ],
    [{ argon2_iterations: 0 }, /^x\.toml: authd\.argon2_iterations:/],
    [{ lockout_max_failures: -1 }, /^x\.toml: authd\.lockout_max_failures:/],
    [
      { lockout_base_seconds: 10, lockout_max_seconds: 5 },
      /^x\.toml: authd\.lockout_max_seconds: must not be below/,
    ],
    [{ max_body_bytes: 10 }, /^x\.toml: authd\.max_body_bytes:/],
    [[], /^x\.toml: authd: must be a table$/],
  ];
  for (const [raw, message] of cases) {
    assert.throws(
      () => parseAuthdConfig(raw, "x.toml", D),
      (err: unknown) => isXhaError(err, "XHA_CONFIG_INVALID") && message.test(err.message),
      JSON.stringify(raw),
    );
  }
});

void test("domains are prepared as the server prepares its hosts (RFC 7622 §3.2), IDNs included", () => {
  const c = parseAuthdConfig(
    { domains: ["Example.COM", "xn--4ca0bs.example", "chat_1.example"] },
    "x.toml",
    D,
  );
  assert.deepEqual(c.domains, ["example.com", "äöü.example", "chat_1.example"]);
  assert.throws(
    () => parseAuthdConfig({ domains: ["not a host"] }, "x.toml", D),
    (e: unknown) => isXhaError(e, "XHA_CONFIG_INVALID") && /authd\.domains: not a host name/.test(e.message),
  );
});
