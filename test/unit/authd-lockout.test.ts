// The lockout: on a fake clock in isolation, then through the service with a short base, where the
// right password must answer false until the backoff has passed.
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { test } from "node:test";
import { attempt, createLockout, lockoutRule } from "../../src/authd/lockout.ts";
import { basic, startTestAuthd } from "./authd-helpers.ts";

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

void test("locks after N failures, backs off exponentially up to the maximum, and a success resets", () => {
  const c = clock();
  const l = createLockout({ maxFailures: 3, baseMs: 1000, maxMs: 4000, now: c.now });
  l.recordFailure("a@x");
  l.recordFailure("a@x");
  assert.equal(l.isLocked("a@x"), false);
  l.recordFailure("a@x");
  assert.equal(l.isLocked("a@x"), true);
  assert.equal(l.isLocked("b@x"), false, "per account");
  c.advance(999);
  assert.equal(l.isLocked("a@x"), true);
  c.advance(1);
  assert.equal(l.isLocked("a@x"), false);
  // Each further failure locks again, for twice as long, up to maxMs.
  for (const expected of [2000, 4000, 4000]) {
    l.recordFailure("a@x");
    c.advance(expected - 1);
    assert.equal(l.isLocked("a@x"), true, `locked for ${expected}`);
    c.advance(1);
    assert.equal(l.isLocked("a@x"), false, `unlocked after ${expected}`);
  }
  l.recordSuccess("a@x");
  l.recordFailure("a@x");
  assert.equal(l.isLocked("a@x"), false, "a success starts the count again");
});

void test("an operator sees who is locked until when, and unlocking lifts it and forgets the failures", async () => {
  const c = clock();
  const l = createLockout({ maxFailures: 2, baseMs: 1000, maxMs: 4000, now: c.now });
  for (let i = 0; i < 2; i++) l.recordFailure("a@x");
  l.recordFailure("b@x");
  assert.deepEqual(await l.locked(), [{ key: "a@x", until: c.now() + 1000 }]);
  assert.equal(await l.unlock("b", "x"), false, "b@x was not locked");
  assert.equal(await l.unlock("a", "x"), true);
  assert.equal(l.isLocked("a@x"), false);
  assert.deepEqual(await l.locked(), []);
  l.recordFailure("a@x");
  assert.equal(l.isLocked("a@x"), false, "the failures before the unlock are forgotten");
  c.advance(1001);
  assert.deepEqual(await l.locked(), []);
  l.lockoutBegan();
  assert.equal(l.lockoutsStarted, 1, "counted when authd saw a wrong password start one");
});

void test("failures older than the window are forgotten; 0 disables locking", () => {
  const c = clock();
  const l = createLockout({ maxFailures: 2, baseMs: 1000, maxMs: 1000, windowMs: 10_000, now: c.now });
  l.recordFailure("a@x");
  c.advance(10_001);
  l.recordFailure("a@x");
  assert.equal(l.isLocked("a@x"), false);
  const off = createLockout({ maxFailures: 0, now: c.now });
  for (let i = 0; i < 100; i++) off.recordFailure("a@x");
  assert.equal(off.isLocked("a@x"), false);
});

void test("memory is bounded: the least recently touched accounts are evicted", () => {
  const c = clock();
  const l = createLockout({ maxFailures: 1, baseMs: 60_000, maxMs: 60_000, maxEntries: 100, now: c.now });
  for (let i = 0; i < 1000; i++) l.recordFailure(`u${i}@x`);
  assert.equal(l.size, 100);
  assert.equal(l.isLocked("u999@x"), true);
  assert.equal(l.isLocked("u0@x"), false);
  // Expired entries go too once touched past their window.
  c.advance(24 * 3600_000);
  l.recordFailure("fresh@x");
  assert.equal(l.size, 1);
});

void test("through the service: after N failures the right password answers false until the backoff passes", async (t) => {
  const { authd } = await startTestAuthd(t, {
    credentials: "p:s",
    lockout_max_failures: 3,
    lockout_base_seconds: 0.3,
    lockout_max_seconds: 1,
  });
  const headers = { authorization: basic("p:s") };
  const origin = new URL(authd.url).origin;
  const reg = await fetch(`${origin}/auth/register`, {
    method: "POST",
    headers,
    body: "user=alice&pass=right&server=example.com",
  });
  assert.equal(reg.status, 201);
  const check = async (pass: string) =>
    (
      await fetch(`${origin}/auth/check_password?user=alice&pass=${pass}&server=example.com`, { headers })
    ).text();
  for (let i = 0; i < 3; i++) assert.equal(await check("wrong"), "false");
  assert.equal(await check("right"), "false", "locked: the right password is refused");
  await sleep(350);
  assert.equal(await check("right"), "true", "after the backoff");
  // The success reset the count: two failures do not lock.
  await check("wrong");
  await check("wrong");
  assert.equal(await check("right"), "true");
});

void test("begin counts an attempt before it is verified; succeeded forgives it", async () => {
  const c = clock();
  const l = createLockout({ maxFailures: 3, baseMs: 1000, maxMs: 1000, now: c.now });
  // Three attempts in flight at once: all allowed, the third locks, the fourth is refused.
  assert.deepEqual(await Promise.all([1, 2, 3, 4].map(() => l.begin("alice", "x"))), [0, 0, 1000, false]);
  c.advance(1000);
  // Still over the limit after the lockout: this attempt, if wrong, would start the next one.
  assert.equal(await l.begin("alice", "x"), 1000);
  await l.succeeded("alice", "x");
  assert.equal(l.size, 0, "a right password forgets the record");
  assert.equal(await l.begin("bob", "x"), 0, "per account");
});

void test("attempt: a pure step shared by the memory and database lockouts", () => {
  const rule = lockoutRule({ maxFailures: 2, baseMs: 100, maxMs: 400, windowMs: 1000 });
  let r = attempt(undefined, rule, 0);
  assert.deepEqual(r, {
    allowed: true,
    entry: { failures: 1, lockouts: 0, lastFailure: 0, lockedUntil: 0 },
    lockoutMs: 0,
  });
  r = attempt(r.entry, rule, 10);
  assert.deepEqual(r.entry, { failures: 2, lockouts: 1, lastFailure: 10, lockedUntil: 110 });
  assert.equal(r.lockoutMs, 100, "this attempt starts the first lockout");
  assert.equal(attempt(r.entry, rule, 109).allowed, false);
  r = attempt(r.entry, rule, 110);
  assert.equal(r.entry.lockedUntil, 310, "the second lockout is twice as long");
  // A record out of its window (and not locked) is as good as none; an all-zero record too.
  assert.equal(attempt(r.entry, rule, 310 + 1001).entry.failures, 1);
  assert.equal(
    attempt({ failures: 0, lockouts: 0, lastFailure: 0, lockedUntil: 0 }, rule, 5000).entry.failures,
    1,
  );
});
