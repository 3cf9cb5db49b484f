// The wired service: /healthz, one verification per check whether or not the user exists (an
// injected hasher counts them), rehash on login when the parameters changed, the loud warning.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { parseOptions } from "@node-rs/argon2";
import { parseAuthdConfig } from "../../src/authd/config.ts";
import { createPasswordHasher, type PasswordHasher } from "../../src/authd/password-hasher.ts";
import { createAuthd } from "../../src/authd/service.ts";
import { openStore } from "../../src/authd/store/open.ts";
import { captureLogs, SMALL_ARGON2, startTestAuthd, tempDir } from "./authd-helpers.ts";

async function countingHasher(): Promise<{ hasher: PasswordHasher; verified: Array<string | undefined> }> {
  const real = await createPasswordHasher(SMALL_ARGON2);
  const verified: Array<string | undefined> = [];
  const hasher: PasswordHasher = {
    params: real.params,
    hash: (p) => real.hash(p),
    needsRehash: (h) => real.needsRehash(h),
    verify: (stored, password) => {
      verified.push(stored);
      return real.verify(stored, password);
    },
  };
  return { hasher, verified };
}

const form = (body: string): RequestInit => ({ method: "POST", body });

void test("GET /healthz answers ok outside the protocol's path", async (t) => {
  const { authd } = await startTestAuthd(t, { path: "/api/xmpp" });
  assert.match(authd.url, /^http:\/\/127\.0\.0\.1:\d+\/api\/xmpp$/);
  const res = await fetch(new URL("/healthz", authd.url));
  assert.deepEqual([res.status, await res.text()], [200, "ok"]);
  const moved = await fetch(`${authd.url}/user_exists?user=a&server=example.com`);
  assert.deepEqual([moved.status, await moved.text()], [200, "false"]);
  assert.equal((await fetch(new URL("/auth/user_exists?user=a&server=example.com", authd.url))).status, 404);
});

void test("an unknown user still costs one verification, against the dummy hash", async (t) => {
  const { hasher, verified } = await countingHasher();
  const { authd } = await startTestAuthd(t, {}, hasher);
  assert.equal(
    (await fetch(`${authd.url}/register`, form("user=alice&pass=pw&server=example.com"))).status,
    201,
  );
  assert.equal(
    await (await fetch(`${authd.url}/check_password?user=nobody&pass=pw&server=example.com`)).text(),
    "false",
  );
  assert.deepEqual(verified, [undefined], "one verify, with no stored hash");
  assert.equal(
    await (await fetch(`${authd.url}/check_password?user=alice&pass=bad&server=example.com`)).text(),
    "false",
  );
  assert.equal(
    await (await fetch(`${authd.url}/check_password?user=alice&pass=pw&server=example.com`)).text(),
    "true",
  );
  assert.equal(verified.length, 3);
  assert.match(verified[1] ?? "", /^\$argon2id\$/);
});

void test("a successful check rehashes a hash made with outdated parameters", async (t) => {
  const dir = await tempDir(t);
  const database = `sqlite:${join(dir, "a.sqlite")}`;
  const seed = await openStore(database);
  const old = await (
    await createPasswordHasher({ memoryKib: 512, iterations: 1, parallelism: 1 })
  ).hash("pw");
  await seed.create("example.com", "alice", old);
  await seed.close();

  const config = parseAuthdConfig(
    { port: 0, database, domains: ["example.com"], argon2_memory_kib: 1024, argon2_iterations: 1 },
    "t.toml",
    { dataPath: dir },
  );
  const authd = await createAuthd({ config });
  t.after(() => authd.close());
  assert.equal(
    await (await fetch(`${authd.url}/check_password?user=alice&pass=wrong&server=example.com`)).text(),
    "false",
  );
  const store = await openStore(database);
  t.after(() => store.close());
  assert.equal(await store.getHash("example.com", "alice"), old, "a failed check changes nothing");
  assert.equal(
    await (await fetch(`${authd.url}/check_password?user=alice&pass=pw&server=example.com`)).text(),
    "true",
  );
  const now = await store.getHash("example.com", "alice");
  assert.notEqual(now, old);
  assert.equal(parseOptions(now!).memoryCost, 1024);
  assert.equal(
    await (await fetch(`${authd.url}/check_password?user=alice&pass=pw&server=example.com`)).text(),
    "true",
  );
});

void test("listening beyond loopback without credentials logs a loud warning; with them it does not", async (t) => {
  const dir = await tempDir(t);
  for (const credentials of [undefined, "p:s"]) {
    const { logger, text } = captureLogs();
    const config = parseAuthdConfig(
      {
        port: 0,
        interfaces: ["0.0.0.0"],
        database: `sqlite:${join(dir, "w.sqlite")}`,
        argon2_memory_kib: 1024,
        argon2_iterations: 1,
        ...(credentials === undefined ? {} : { credentials }),
      },
      "t.toml",
      { dataPath: dir },
    );
    const authd = await createAuthd({ config, logger });
    await authd.close();
    assert.equal(text().includes("INSECURE"), credentials === undefined);
    if (credentials !== undefined) assert.ok(!text().includes("p:s"));
  }
});

void test("several interfaces share one port, even when it is picked (port 0)", async (t) => {
  const { authd } = await startTestAuthd(t, { interfaces: ["127.0.0.1", "127.0.0.2"] });
  assert.equal(authd.urls.length, 2);
  const [a, b] = authd.urls.map((u) => new URL(u));
  assert.equal(a!.port, b!.port);
  for (const url of authd.urls) {
    assert.equal(await (await fetch(`${url}/user_exists?user=a&server=example.com`)).text(), "false");
  }
});

void test("a port in use is XHA_LISTEN and nothing is left open", async (t) => {
  const { authd, config } = await startTestAuthd(t);
  const port = Number(new URL(authd.url).port);
  await assert.rejects(
    createAuthd({ config: { ...config, port } }),
    (err: Error & { code?: string }) => err.code === "XHA_LISTEN",
  );
});
