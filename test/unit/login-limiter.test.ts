// The login limiter's bookkeeping: keys, the memory bound, and admission under concurrency.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LoginLimiter } from "../../src/limits/login-limiter.ts";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { AddressList, limitKey, plainAddress } from "../../src/limits/client-address.ts";

const never = new AbortController().signal;

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const heap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

test("addresses: IPv4-mapped is IPv4, IPv6 counts by its /64", () => {
  assert.equal(plainAddress("::ffff:192.0.2.1"), "192.0.2.1");
  assert.equal(limitKey("::FFFF:192.0.2.1"), "192.0.2.1");
  assert.equal(limitKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  assert.equal(limitKey("2001:db8:1:2::9"), limitKey("2001:0db8:0001:0002:ffff:ffff:ffff:ffff"));
  assert.notEqual(limitKey("2001:db8:1:2::1"), limitKey("2001:db8:1:3::1"));
  assert.equal(limitKey("::1"), "0:0:0:0::/64");
  assert.equal(plainAddress("2001:DB8:0:0:0:0:0:7"), "2001:db8::7");
  assert.equal(plainAddress("::FFFF:192.0.2.1"), "192.0.2.1");
  const list = new AddressList(["10.0.0.0/8", "::1", "2001:db8::/32"]);
  assert.ok(
    list.has("10.9.8.7") && list.has("::ffff:10.1.1.1") && list.has("::1") && list.has("2001:db8::5"),
  );
  assert.ok(!list.has("11.0.0.1") && !list.has("unknown") && !list.has("2001:db9::1"));
  assert.throws(() => new AddressList(["10.0.0.0/33"]), /prefix length/);
});

test("memory stays bounded with many distinct addresses", async () => {
  const limiter = new LoginLimiter({
    ipMax: 3,
    ipPeriodMs: 60_000,
    accountMax: 10,
    accountPeriodMs: 60_000,
    maxEntries: 1000,
  });
  const before = heap();
  for (let i = 0; i < 50_000; i++) {
    const a = await limiter.admit(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, `u${i}@h`, never);
    assert.ok(a.ok);
    a.ticket.failed();
  }
  const sizes = limiter.sizes;
  assert.ok(sizes.ips <= 1000 && sizes.accounts <= 1000, JSON.stringify(sizes));
  // 100,000 windows kept would be tens of MB; two thousand are well under 2 MB.
  const grown = heap() - before;
  assert.ok(grown < 2 * 1024 * 1024, `heap grew ${grown} bytes`);
});

test("40 concurrent checks of one account from one address: only the budget reaches the backend", async () => {
  const limiter = new LoginLimiter({
    ipMax: 5,
    ipPeriodMs: 60_000,
    accountMax: 20,
    accountPeriodMs: 60_000,
    maxEntries: 100,
  });
  let inBackend = 0;
  let maxInBackend = 0;
  let verified = 0;
  const results = await Promise.all(
    Array.from({ length: 40 }, async () => {
      const a = await limiter.admit("192.0.2.1", "alice@h", never);
      if (!a.ok) return a.scope;
      inBackend += 1;
      maxInBackend = Math.max(maxInBackend, inBackend);
      await new Promise((r) => setTimeout(r, 5));
      inBackend -= 1;
      verified += 1;
      a.ticket.failed();
      return "checked";
    }),
  );
  assert.equal(verified, 5);
  assert.ok(maxInBackend <= 5);
  assert.equal(results.filter((r) => r === "ip").length, 35);
});

test("a waiting admission ends when its client leaves", async () => {
  const limiter = new LoginLimiter({
    ipMax: 1,
    ipPeriodMs: 60_000,
    accountMax: 0,
    accountPeriodMs: 1,
    maxEntries: 10,
  });
  const first = await limiter.admit("192.0.2.1", "a@h", never);
  assert.ok(first.ok);
  const gone = new AbortController();
  const waiting = limiter.admit("192.0.2.1", "a@h", gone.signal);
  gone.abort();
  assert.deepEqual(await waiting, { ok: false, scope: "aborted" });
  first.ticket.succeeded();
  assert.equal(limiter.sizes.ips, 0);
});

test("an account refusal leaves no entry behind for the refused address", async () => {
  const limiter = new LoginLimiter({
    ipMax: 5,
    ipPeriodMs: 60_000,
    accountMax: 1,
    accountPeriodMs: 60_000,
    maxEntries: 100,
  });
  const first = await limiter.admit("192.0.2.1", "a@h", never);
  assert.ok(first.ok);
  first.ticket.failed();
  for (let i = 2; i < 50; i++) {
    const a = await limiter.admit(`192.0.2.${i}`, "a@h", never);
    assert.equal(a.ok === false && a.scope, "account");
  }
  assert.deepEqual(limiter.sizes, { ips: 1, accounts: 1, known: 0 });
  assert.equal(limiter.refused.account, 48);
});
