// The auth cache in front of a real HTTP provider and a real HTTP API: what it keeps, what it never
// keeps (a "no" stays a "no"), eviction on changes, stale_if_error, the entry bound and its metrics.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { providerMaker } from "../helpers/providers.ts";
import { silentLogger, createLogger } from "../../src/log.ts";
import { createCachedProvider, type AuthCacheOptions } from "../../src/auth/cache/cached-provider.ts";
import { createCacheMetrics, type CacheMetrics } from "../../src/auth/cache/cache-metrics.ts";

let api: TestAuthApi;
const providers = providerMaker(() => ({
  url: api.url,
  host: "localhost",
  timeoutMs: 5000, // generous: a loaded machine must not turn an answer into a timeout
  logger: silentLogger(),
}));

before(async () => {
  api = await startAuthApi();
});
after(async () => {
  await providers.closeAll();
  await api.close();
});

const OPTIONS: AuthCacheOptions = {
  checkPasswordTtl: 60,
  userExistsTtl: 60,
  maxEntries: 100,
  staleIfError: 0,
};

function setup(options: Partial<AuthCacheOptions> = {}) {
  api.fault = "none";
  api.users.clear();
  let clock = 1_000_000;
  const logs: string[] = [];
  const logger = createLogger({
    level: "debug",
    destination: new Writable({
      write(chunk: Buffer, _e, cb) {
        logs.push(chunk.toString());
        cb();
      },
    }),
  });
  const metrics: CacheMetrics = createCacheMetrics();
  const cache = createCachedProvider({
    inner: providers.make(),
    host: "localhost",
    options: { ...OPTIONS, ...options },
    logger,
    metrics,
    now: () => clock,
  });
  const calls = (method: string) => api.requests.filter((r) => r.path.endsWith("/" + method)).length;
  return {
    cache,
    metrics,
    logs,
    calls,
    advance: (seconds: number) => void (clock += seconds * 1000),
  };
}

test("a successful check_password is reused within the TTL and asked again after it", async () => {
  const { cache, calls, advance, metrics } = setup();
  api.users.set("alice@localhost", "secret");
  const before = calls("check_password");
  assert.equal((await cache.checkPassword("alice", "secret")).outcome, "ok");
  assert.equal((await cache.checkPassword("alice", "secret")).outcome, "ok");
  assert.equal(calls("check_password") - before, 1);
  advance(61);
  assert.equal((await cache.checkPassword("alice", "secret")).outcome, "ok");
  assert.equal(calls("check_password") - before, 2);
  assert.deepEqual(metrics.snapshot().hits.check_password, 1);
  assert.deepEqual(metrics.snapshot().misses.check_password, 2);
});

test("a no is never cached, and a cached yes never answers another password", async () => {
  const { cache, calls } = setup();
  api.users.set("alice@localhost", "secret");
  const before = calls("check_password");
  assert.equal((await cache.checkPassword("alice", "wrong")).outcome, "false");
  assert.equal((await cache.checkPassword("alice", "wrong")).outcome, "false");
  assert.equal(calls("check_password") - before, 2);
  assert.equal((await cache.checkPassword("alice", "secret")).outcome, "ok");
  // Once "secret" is cached: neighbours of it, other users, an empty password all still ask or fail.
  for (const [user, pass] of [
    ["alice", "secre"],
    ["alice", "secret "],
    ["bob", "secret"],
    ["alic", "esecret"],
  ] as const) {
    assert.equal((await cache.checkPassword(user, pass)).outcome, "false", `${user}/${pass}`);
  }
  assert.equal((await cache.checkPassword("alice", "")).outcome, "false");
});

test("a backend failure is never cached and never a yes without stale_if_error", async () => {
  const { cache, advance } = setup();
  api.users.set("alice@localhost", "secret");
  assert.equal((await cache.checkPassword("alice", "secret")).outcome, "ok");
  advance(61);
  api.fault = "500";
  assert.equal((await cache.checkPassword("alice", "secret")).outcome, "backend-error");
  api.fault = "garbage";
  assert.equal((await cache.userExists("carol")).outcome, "backend-error");
  api.fault = "none";
  assert.equal((await cache.userExists("carol")).outcome, "false");
});

test("a password change, registration or removal through the cache drops the user's entries at once", async () => {
  const { cache, calls, metrics } = setup();
  api.users.set("alice@localhost", "old");
  assert.equal((await cache.checkPassword("alice", "old")).outcome, "ok");
  assert.equal((await cache.userExists("alice")).outcome, "ok");
  assert.equal((await cache.setPassword("alice", "new")).outcome, "ok");
  assert.equal((await cache.checkPassword("alice", "old")).outcome, "false");
  assert.equal((await cache.checkPassword("alice", "new")).outcome, "ok");
  assert.equal(metrics.snapshot().evictions.check_password.change, 1);

  assert.equal((await cache.userExists("dave")).outcome, "false");
  assert.equal((await cache.register("dave", "pw")).outcome, "ok");
  const mark = calls("user_exists");
  assert.equal((await cache.userExists("dave")).outcome, "ok");
  assert.equal(calls("user_exists") - mark, 1);

  assert.equal((await cache.removeUser("alice")).outcome, "ok");
  assert.equal((await cache.checkPassword("alice", "new")).outcome, "false");
  assert.equal((await cache.userExists("alice")).outcome, "false");
});

test("forget() (the server's hooks, from any cluster node) drops entries; a change directly in the API waits for the TTL", async () => {
  const { cache, advance } = setup({ checkPasswordTtl: 30 });
  api.users.set("alice@localhost", "old");
  assert.equal((await cache.checkPassword("alice", "old")).outcome, "ok");
  api.users.set("alice@localhost", "new"); // behind our back
  assert.equal((await cache.checkPassword("alice", "old")).outcome, "ok", "the documented TTL trade-off");
  advance(31);
  assert.equal((await cache.checkPassword("alice", "old")).outcome, "false");
  assert.equal((await cache.checkPassword("alice", "new")).outcome, "ok");
  api.users.set("alice@localhost", "newer");
  cache.forget("alice");
  assert.equal((await cache.checkPassword("alice", "new")).outcome, "false");
});

test("an answer in flight when the account changes is not stored", async () => {
  const { cache, calls } = setup();
  api.users.set("alice@localhost", "old");
  const pending = cache.checkPassword("alice", "old");
  // E.g. the password changed on another node while the API was answering (still "old" here, so the
  // answer is "ok"; it may be stale, so it must not be kept).
  cache.forget("alice");
  assert.equal((await pending).outcome, "ok");
  const mark = calls("check_password");
  assert.equal((await cache.checkPassword("alice", "old")).outcome, "ok");
  assert.equal(calls("check_password") - mark, 1, "asked again: the in-flight answer was not stored");
});

test("stale_if_error accepts a recent login while the API fails, logged; never after a no, never past the window", async () => {
  const { cache, advance, logs, metrics } = setup({ checkPasswordTtl: 10, staleIfError: 60 });
  api.users.set("alice@localhost", "secret");
  assert.equal((await cache.checkPassword("alice", "secret")).outcome, "ok");
  advance(30);
  api.fault = "500";
  assert.equal((await cache.checkPassword("alice", "secret")).outcome, "ok");
  assert.equal(metrics.snapshot().stale, 1);
  assert.ok(logs.some((l) => l.includes("stale_if_error") && !l.includes('secret"')));
  assert.equal((await cache.checkPassword("alice", "other")).outcome, "backend-error");
  advance(41); // 71 s after the login: past TTL + window
  assert.equal((await cache.checkPassword("alice", "secret")).outcome, "backend-error");

  // An API that says "no" (not a failure) removes the entry: stale_if_error cannot resurrect it.
  api.fault = "none";
  assert.equal((await cache.checkPassword("alice", "secret")).outcome, "ok");
  advance(11);
  api.users.set("alice@localhost", "changed");
  assert.equal((await cache.checkPassword("alice", "secret")).outcome, "false");
  api.fault = "500";
  assert.equal((await cache.checkPassword("alice", "secret")).outcome, "backend-error");
});

test("the entry bound drops the least recently used account and counts it", async () => {
  const { cache, calls, metrics } = setup({ maxEntries: 2 });
  for (const u of ["u1", "u2", "u3"]) api.users.set(`${u}@localhost`, "pw");
  await cache.checkPassword("u1", "pw");
  await cache.checkPassword("u2", "pw");
  await cache.checkPassword("u1", "pw"); // u1 is now the most recent
  await cache.checkPassword("u3", "pw"); // drops u2
  assert.equal(metrics.snapshot().evictions.check_password.capacity, 1);
  const mark = calls("check_password");
  await cache.checkPassword("u1", "pw");
  assert.equal(calls("check_password") - mark, 0);
  await cache.checkPassword("u2", "pw");
  assert.equal(calls("check_password") - mark, 1);
});

test("metrics render per method, with no user or password in them", async () => {
  const { cache, metrics } = setup();
  api.users.set("alice@localhost", "hunter2");
  await cache.checkPassword("alice", "hunter2");
  await cache.checkPassword("alice", "hunter2");
  await cache.userExists("alice");
  const text = metrics.toPrometheus();
  assert.match(text, /^xha_auth_cache_hits_total\{method="check_password"\} 1$/m);
  assert.match(text, /^xha_auth_cache_misses_total\{method="user_exists"\} 1$/m);
  assert.match(text, /^xha_auth_cache_evictions_total\{method="user_exists",reason="change"\} 0$/m);
  assert.doesNotMatch(text, /alice|hunter2/);
});

test("configuration: off by default, and stale_if_error without a login TTL is refused naming the key", async () => {
  const { parseServerConfig } = await import("../../src/config/load.ts");
  const hosts = (extra: Record<string, unknown>) => ({
    hosts: { localhost: { http_auth_url: "http://127.0.0.1:1/auth", ...extra } },
  });
  const opts = parseServerConfig(hosts({}), "t.toml").hosts.get("localhost");
  assert.equal(opts?.http_auth_cache_ttl, 0);
  assert.equal(opts?.http_auth_cache_user_exists_ttl, 0);
  assert.throws(
    () => parseServerConfig(hosts({ http_auth_cache_stale_if_error: 60 }), "t.toml"),
    /t\.toml: hosts\."localhost"\.http_auth_cache_stale_if_error needs http_auth_cache_ttl > 0/,
  );
  assert.throws(
    () => parseServerConfig(hosts({ http_auth_cache_size: 0 }), "t.toml"),
    /http_auth_cache_size must be a whole number/,
  );
});
