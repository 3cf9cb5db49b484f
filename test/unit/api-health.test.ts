// The admin page's per-minute ring: calls, failures by reason, percentiles, and the hour window.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createApiHealth } from "../../src/admin/api-health.ts";
import { createHttpMetrics } from "../../src/auth/http/metrics.ts";

const ok = { method: "check_password", outcome: "ok", reason: "" };

test("percentiles come from the latency buckets of each minute; failures are counted by reason", () => {
  let t = Date.UTC(2026, 0, 1, 12, 0, 30);
  const health = createApiHealth(() => t);
  for (let i = 0; i < 98; i++) health.observe("a", ok, 0.002); // ≤ 2.5 ms
  health.observe("a", { method: "check_password", outcome: "backend-error", reason: "timeout" }, 5);
  health.observe("a", { method: "check_password", outcome: "false", reason: "" }, 0.2); // ≤ 250 ms
  const snap = health.snapshot("a");
  assert.equal(snap.minutes.length, 60);
  const now = snap.minutes.at(-1)!;
  assert.deepEqual(
    { calls: now.calls, failures: now.failures, p50: now.p50, p90: now.p90, p99: now.p99 },
    { calls: 100, failures: 1, p50: 2.5, p90: 2.5, p99: 250 },
  );
  assert.deepEqual(snap.failures, { timeout: 1 });
  assert.equal(snap.rejectedPasswords, 1);
  assert.equal(snap.minutes[0]!.p50, null);
  // An hour later the old minute has left the window; the totals stay.
  t += 60 * 60_000;
  const later = health.snapshot("a");
  assert.equal(
    later.minutes.reduce((n, m) => n + m.calls, 0),
    0,
  );
  assert.equal(later.calls, 100);
  // A slot reused after an hour starts from zero.
  health.observe("a", ok, 0.002);
  assert.equal(health.snapshot("a").minutes.at(-1)!.calls, 1);
});

test("a host's metrics feed both the ring and the shared Prometheus metrics", () => {
  const shared = createHttpMetrics();
  const health = createApiHealth();
  const m = health.metricsFor("b", shared);
  m.observeCall({ method: "register", outcome: "ok", reason: "" }, 0.01);
  m.observeCall({ method: "register", outcome: "conflict", reason: "" }, 0.01);
  assert.equal(
    shared.snapshot().calls.reduce((n, s) => n + s.count, 0),
    2,
  );
  const snap = health.snapshot("b");
  assert.equal(snap.registrations, 1);
  assert.equal(snap.registrationConflicts, 1);
  assert.equal(health.snapshot("other").calls, 0);
});
