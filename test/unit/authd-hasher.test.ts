// Argon2id hashing: OWASP defaults, configurable parameters, needsRehash, the dummy verification.
import assert from "node:assert/strict";
import { test } from "node:test";
import { hash, parseOptions } from "@node-rs/argon2";
import { createPasswordHasher, OWASP_ARGON2ID } from "../../src/authd/password-hasher.ts";
import { SMALL_ARGON2 } from "./authd-helpers.ts";

void test("defaults are OWASP's Argon2id minimum: m=19456 KiB, t=2, p=1", async () => {
  const hasher = await createPasswordHasher();
  const stored = await hasher.hash("correct horse");
  assert.match(stored, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.deepEqual(OWASP_ARGON2ID, { memoryKib: 19456, iterations: 2, parallelism: 1 });
  assert.equal(await hasher.verify(stored, "correct horse"), true);
  assert.equal(hasher.needsRehash(stored), false);
});

void test("configured parameters are used; a salted hash differs each time", async () => {
  const hasher = await createPasswordHasher({ memoryKib: 2048, iterations: 3, parallelism: 2 });
  const a = await hasher.hash("pw");
  const b = await hasher.hash("pw");
  assert.notEqual(a, b);
  const p = parseOptions(a);
  assert.deepEqual([p.memoryCost, p.timeCost, p.parallelism], [2048, 3, 2]);
  assert.equal(await hasher.verify(b, "pw"), true);
  assert.equal(await hasher.verify(b, "PW"), false);
});

void test("needsRehash: other parameters, another algorithm, or garbage", async () => {
  const hasher = await createPasswordHasher(SMALL_ARGON2);
  assert.equal(hasher.needsRehash(await hasher.hash("x")), false);
  assert.equal(hasher.needsRehash(await hash("x", { memoryCost: 2048, timeCost: 1 })), true);
  assert.equal(hasher.needsRehash(await hash("x", { memoryCost: 1024, timeCost: 2 })), true);
  assert.equal(hasher.needsRehash(await hash("x", { memoryCost: 1024, timeCost: 1, algorithm: 1 })), true);
  assert.equal(hasher.needsRehash("not a hash"), true);
  // An old hash still verifies, whatever the parameters now are.
  assert.equal(await hasher.verify(await hash("x", { memoryCost: 2048, timeCost: 1 }), "x"), true);
});

void test("no stored hash or a malformed one never matches", async () => {
  const hasher = await createPasswordHasher(SMALL_ARGON2);
  assert.equal(await hasher.verify(undefined, "anything"), false);
  assert.equal(await hasher.verify(undefined, ""), false);
  assert.equal(await hasher.verify("$argon2id$garbage", "anything"), false);
});

void test("hashing runs off the event loop: timers keep firing during a hash", async () => {
  const hasher = await createPasswordHasher({ memoryKib: 65536, iterations: 3, parallelism: 1 });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  await Promise.all([hasher.hash("a"), hasher.hash("b")]);
  clearInterval(timer);
  assert.ok(ticks > 0, "the event loop was blocked");
});
