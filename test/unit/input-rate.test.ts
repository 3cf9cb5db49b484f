// The `limits` c2s rate (Prosody's mod_limits): the token bucket, and the option as written in TOML.
import { test } from "node:test";
import assert from "node:assert/strict";
import { InputRate, parseBurst, parseRate } from "../../src/limits/input-rate.ts";
import { parseServerConfig } from "../../src/config/load.ts";

test("a full bucket takes a burst at once; past it, the wait pays the debt back at the rate", () => {
  let now = 0;
  const r = new InputRate({ rate: 1000, burst: 2 }, () => now);
  assert.equal(r.charge(1500), 0);
  assert.equal(r.charge(500), 0, "exactly the 2,000-byte burst");
  assert.equal(r.charge(250), 250, "250 bytes over: 250 ms at 1,000 B/s");
  now += 250;
  assert.equal(r.charge(0), 0, "paid back");
  now += 10_000;
  assert.equal(r.charge(2000), 0, "refilled, but never past the burst");
  assert.equal(r.charge(1), 1);
});

test("a stanza larger than the burst is let in and paid back afterwards", () => {
  let now = 0;
  const r = new InputRate({ rate: 10_000, burst: 1 }, () => now);
  assert.equal(r.charge(60_000), 5000);
  now += 1000;
  assert.equal(r.charge(100), 4010, "still in debt: 40,100 bytes");
});

test("rates in Prosody's form are decimal; bursts in seconds", () => {
  assert.equal(parseRate("10kb/s"), 10_000);
  assert.equal(parseRate("10 KB/s"), 10_000);
  assert.equal(parseRate("500b/s"), 500);
  assert.equal(parseRate("2mb/s"), 2_000_000);
  assert.equal(parseRate(4096), 4096);
  for (const bad of ["10kb", "fast", "0b/s", "10xb/s", -1, 0])
    assert.equal(typeof parseRate(bad), "string", JSON.stringify(bad));
  assert.equal(parseBurst("2s"), 2);
  assert.equal(parseBurst("0.5 s"), 0.5);
  assert.equal(parseBurst(3), 3);
  for (const bad of ["2", "2m", 0, 7200]) assert.equal(typeof parseBurst(bad), "string", JSON.stringify(bad));
});

const base = { hosts: { localhost: { http_auth_url: "http://127.0.0.1:5380/auth" } } };
const parse = (doc: Record<string, unknown>) => parseServerConfig({ ...base, ...doc }, "my.toml");

test("on by default with mod_limits' values; a table sets it, false turns it off", () => {
  assert.deepEqual(parse({}).global.limits, { c2s: { rate: 10_240, burst: 2 } });
  assert.deepEqual(parse({ limits: { c2s: { rate: "30kb/s", burst: "1s" } } }).global.limits, {
    c2s: { rate: 30_000, burst: 1 },
  });
  assert.deepEqual(parse({ limits: { c2s: { rate: "30kb/s" } } }).global.limits, {
    c2s: { rate: 30_000, burst: 2 },
  });
  assert.deepEqual(parse({ limits: { c2s: false } }).global.limits, { c2s: false });
  // Prosody's own table, s2sin included, loads as written.
  const prosodys = { c2s: { rate: "10kb/s" }, s2sin: { rate: "30kb/s" } };
  assert.deepEqual(parse({ limits: prosodys }).global.limits, {
    c2s: { rate: 10_000, burst: 2 },
  });
  assert.deepEqual(parse({}).hosts.get("localhost")?.unlimited_jids, []);
  const host = { ...base.hosts.localhost, unlimited_jids: ["Bot@LocalHost"] };
  assert.deepEqual(parse({ hosts: { localhost: host } }).hosts.get("localhost")?.unlimited_jids, [
    "bot@localhost",
  ]);
});

for (const [doc, why] of [
  [{ limits: "10kb/s" }, /must be a table/],
  [{ limits: { c2s: { rate: "lots" } } }, /c2s\.rate must be a rate/],
  [{ limits: { c2s: { burst: "forever" } } }, /c2s\.burst must be a number of seconds/],
  [{ limits: { c2s: { rate: "1kb/s", speed: 2 } } }, /c2s\.speed is not an option/],
  [{ limits: { s2s: { rate: "1kb/s" } } }, /s2s is not a kind of stream/],
  [{ limits: { c2s: true } }, /c2s must be a table/],
  [{ unlimited_jids: ["example.com"] }, /bare JID/],
] as const) {
  test(`${JSON.stringify(doc)} is refused, naming the key`, () => {
    const key = Object.keys(doc)[0] ?? "";
    assert.throws(
      () => parse(doc),
      (err: Error) => err.message.includes(key) && why.test(err.message),
    );
  });
}
