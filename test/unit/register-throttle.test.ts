// The XEP-0077 registration throttle: a fixed window per address, bounded memory, 0 = no limit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { RegistrationThrottle, throttleKey } from "../../src/modules/register/throttle.ts";

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

test("allows max attempts per address per period, then refuses until the window ends", () => {
  const c = clock();
  const t = new RegistrationThrottle({ max: 2, periodMs: 1000, now: c.now });
  assert.equal(t.take("192.0.2.1"), true);
  assert.equal(t.take("192.0.2.1"), true);
  assert.equal(t.take("192.0.2.1"), false);
  assert.equal(t.take("192.0.2.2"), true, "another address has its own count");
  c.t += 999;
  assert.equal(t.take("192.0.2.1"), false);
  c.t += 1;
  assert.equal(t.take("192.0.2.1"), true, "a new window");
});

test("max 0 means no limit and tracks nothing", () => {
  const t = new RegistrationThrottle({ max: 0, periodMs: 1000 });
  for (let i = 0; i < 100; i++) assert.equal(t.take("192.0.2.1"), true);
  assert.equal(t.size, 0);
});

test("memory is bounded: expired windows go first, then the oldest", () => {
  const c = clock();
  const t = new RegistrationThrottle({ max: 1, periodMs: 1000, maxAddresses: 3, now: c.now });
  t.take("a");
  c.t += 10;
  t.take("b");
  t.take("c");
  assert.equal(t.take("a"), false);
  t.take("d"); // full: "a" (the oldest) is forgotten
  assert.equal(t.size, 3);
  assert.equal(t.take("b"), false, "b is still counted");
  assert.equal(t.take("a"), true, "a was evicted, so it starts again");
  c.t += 2000;
  for (let i = 0; i < 10; i++) t.take(`x${i}`);
  assert.ok(t.size <= 3);
});

test("an IPv4 address seen on a dual-stack socket counts as the IPv4 address", () => {
  assert.equal(throttleKey("::ffff:192.0.2.1"), "192.0.2.1");
  assert.equal(throttleKey("2001:db8::1"), "2001:db8::1");
  const t = new RegistrationThrottle({ max: 1, periodMs: 1000 });
  assert.equal(t.take("::ffff:192.0.2.1"), true);
  assert.equal(t.take("192.0.2.1"), false);
});
