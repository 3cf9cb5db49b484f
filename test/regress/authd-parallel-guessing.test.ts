// Regression: authd checked the lockout before verifying and counted the failure after, so 40
// concurrent check_password requests for one account were all verified (the right password among
// them answered `true`), and each authd process kept its own count, so N processes gave an attacker
// N times the tries. Attempts are now counted before verifying, in the database the processes share.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createPasswordHasher, type PasswordHasher } from "../../src/authd/password-hasher.ts";
import { openStore } from "../../src/authd/store/open.ts";
import type { AccountStore } from "../../src/authd/store/store.ts";
import { pgSkip } from "../helpers/postgres.ts";
import { SMALL_ARGON2, basic, pgSchema, startTestAuthd, tempDir } from "../unit/authd-helpers.ts";

const MAX = 5;
const GUESSES = 40;
const TABLE = {
  credentials: "p:s",
  lockout_max_failures: MAX,
  lockout_base_seconds: 60,
  lockout_max_seconds: 60,
};
const headers = { authorization: basic("p:s") };

/**
 * A real hasher that counts the passwords it verified, each taking 50 ms more (production Argon2
 * parameters cost about that), so that parallel requests overlap as they do in production.
 */
async function countingHasher(): Promise<PasswordHasher & { verified: number }> {
  const inner = await createPasswordHasher(SMALL_ARGON2);
  const h = {
    verified: 0,
    params: inner.params,
    hash: (p: string) => inner.hash(p),
    needsRehash: (s: string) => inner.needsRehash(s),
    verify: async (s: string | undefined, p: string) => {
      h.verified++;
      await sleep(50);
      return inner.verify(s, p);
    },
  };
  return h;
}

async function check(origin: string, pass: string): Promise<string> {
  const r = await fetch(`${origin}/auth/check_password?user=alice&pass=${pass}&server=example.com`, {
    headers,
  });
  return r.text();
}

/** Guesses in parallel, spread over `origins`; the right password must then be refused on each. */
async function guessInParallel(origins: string[], hasher: { verified: number }): Promise<void> {
  const reg = await fetch(`${origins[0]}/auth/register`, {
    method: "POST",
    headers,
    body: "user=alice&pass=right&server=example.com",
  });
  assert.equal(reg.status, 201);
  hasher.verified = 0;
  const answers = await Promise.all(
    Array.from({ length: GUESSES }, (_, i) => check(origins[i % origins.length]!, `wrong${i}`)),
  );
  assert.deepEqual(new Set(answers), new Set(["false"]));
  assert.ok(hasher.verified <= MAX, `${hasher.verified} of ${GUESSES} parallel guesses were verified`);
  const before = hasher.verified;
  for (const origin of origins) assert.equal(await check(origin, "right"), "false", `locked at ${origin}`);
  assert.equal(hasher.verified, before, "a locked account's password is not verified");
}

test("one authd on SQLite: parallel guesses get the limit, not one verification each", async (t) => {
  const hasher = await countingHasher();
  const { authd } = await startTestAuthd(t, TABLE, hasher);
  await guessInParallel([new URL(authd.url).origin], hasher);
});

test("two authd processes on one SQLite file enforce one limit", async (t) => {
  const dir = await tempDir(t);
  const table = { ...TABLE, database: `sqlite:${join(dir, "shared.sqlite")}` };
  const hasher = await countingHasher();
  const a = await startTestAuthd(t, table, hasher);
  const b = await startTestAuthd(t, table, hasher);
  await guessInParallel([new URL(a.authd.url).origin, new URL(b.authd.url).origin], hasher);
});

test("two authd processes on one PostgreSQL schema enforce one limit", { skip: pgSkip }, async (t) => {
  const { url, schema } = await pgSchema(t);
  const table = { ...TABLE, database: `${url}?schema=${schema}` };
  const hasher = await countingHasher();
  const a = await startTestAuthd(t, table, hasher);
  const b = await startTestAuthd(t, table, hasher);
  await guessInParallel([new URL(a.authd.url).origin, new URL(b.authd.url).origin], hasher);
});

test("a store that keeps no records still counts attempts in flight (in memory)", async (t) => {
  const dir = await tempDir(t);
  const inner = await openStore(`sqlite:${join(dir, "own.sqlite")}`);
  t.after(() => inner.close());
  // A store of the operator's own, without failure records.
  const own: AccountStore = {
    getHash: (s, u) => inner.getHash(s, u),
    create: (s, u, h) => inner.create(s, u, h),
    updateHash: (s, u, h, e) => inner.updateHash(s, u, h, e),
    delete: (s, u) => inner.delete(s, u),
    list: (s) => inner.list(s),
    exists: (s, u) => inner.exists(s, u),
    ping: () => inner.ping(),
    close: () => Promise.resolve(),
  };
  const hasher = await countingHasher();
  const { createAuthd } = await import("../../src/authd/service.ts");
  const { parseAuthdConfig } = await import("../../src/authd/config.ts");
  const config = parseAuthdConfig({ port: 0, domains: ["example.com"], ...TABLE }, "test.toml", {
    dataPath: dir,
  });
  const authd = await createAuthd({ config, store: own, hasher });
  t.after(() => authd.close());
  await guessInParallel([new URL(authd.url).origin], hasher);
});
