// One exposition from several workers' (src/http/metrics-merge.ts) and one admin overview from
// several workers' figures (src/admin/overview-merge.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mergeExpositions } from "../../src/http/metrics-merge.ts";
import { mergeOverviews, parseHostFigures } from "../../src/admin/overview-merge.ts";
import type { HostHealth } from "../../src/admin/api-health.ts";
import type { Overview } from "../../src/admin/overview.ts";

const w1 = [
  "# HELP a_total Calls.",
  "# TYPE a_total counter",
  'a_total{method="x",outcome="ok"} 3',
  "# HELP lat Latency.",
  "# TYPE lat histogram",
  'lat_bucket{method="x",le="0.1"} 1',
  'lat_bucket{method="x",le="+Inf"} 2',
  'lat_sum{method="x"} 0.5',
  'lat_count{method="x"} 2',
  "# HELP c_sessions Sessions seen.",
  "# TYPE c_sessions gauge",
  'c_sessions{node="own-name"} 7',
  "",
].join("\n");
const w2 = [
  "# HELP a_total Calls.",
  "# TYPE a_total counter",
  'a_total{method="x",outcome="ok"} 4',
  '# HELP odd A label value with } and , and an escaped \\" inside.',
  "# TYPE odd gauge",
  'odd{v="a},b=\\"c\\""} 1',
  "odd 2",
  "not a sample line at all {",
  "",
].join("\n");

test("each family once, its HELP and TYPE first, every sample labelled with its worker's node", () => {
  const text = mergeExpositions([
    { node: "n-w1", text: w1 },
    { node: "n-w2", text: w2 },
    { node: "n-w3", text: undefined },
  ]);
  assert.equal(
    text,
    [
      "# HELP a_total Calls.",
      "# TYPE a_total counter",
      'a_total{node="n-w1",method="x",outcome="ok"} 3',
      'a_total{node="n-w2",method="x",outcome="ok"} 4',
      "# HELP lat Latency.",
      "# TYPE lat histogram",
      'lat_bucket{node="n-w1",method="x",le="0.1"} 1',
      'lat_bucket{node="n-w1",method="x",le="+Inf"} 2',
      'lat_sum{node="n-w1",method="x"} 0.5',
      'lat_count{node="n-w1",method="x"} 2',
      "# HELP c_sessions Sessions seen.",
      "# TYPE c_sessions gauge",
      // A node label of its own is kept.
      'c_sessions{node="own-name"} 7',
      '# HELP odd A label value with } and , and an escaped \\" inside.',
      "# TYPE odd gauge",
      'odd{node="n-w2",v="a},b=\\"c\\""} 1',
      'odd{node="n-w2"} 2',
      "",
    ].join("\n"),
  );
});

test("a node name is escaped as a label value", () => {
  assert.equal(mergeExpositions([{ node: 'a"b\\c', text: "x 1\n" }]), 'x{node="a\\"b\\\\c"} 1\n');
});

const health = (calls: number, at: number, p99: number | null): HostHealth => ({
  calls,
  failures: { timeout: calls },
  rejectedPasswords: 1,
  registrations: 0,
  registrationConflicts: 0,
  minutes: [{ at, calls, failures: 0, p50: p99, p90: p99, p99 }],
});

test("the overview sums the workers that answered and lists each one; what a worker sent is checked", () => {
  const mine = [{ name: "example.com", sessions: 2, health: health(3, 60_000, 5) }];
  const local: Overview = {
    version: "v",
    startedAt: 1,
    now: 2,
    hosts: mine,
    accounts: { available: false },
  };
  const theirs = JSON.stringify([{ name: "example.com", sessions: 5, health: health(4, 60_000, 50) }]);
  const merged = mergeOverviews(local, [
    { node: "w1", body: JSON.stringify(mine) },
    { node: "w2", body: theirs },
    { node: "w3", body: undefined },
    { node: "w4", body: '[{"name":"example.com","sessions":"many"}]' },
  ]);
  assert.deepEqual(merged.hosts, [
    {
      name: "example.com",
      sessions: 7,
      health: {
        calls: 7,
        failures: { timeout: 7 },
        rejectedPasswords: 2,
        registrations: 0,
        registrationConflicts: 0,
        minutes: [{ at: 60_000, calls: 7, failures: 0, p50: 50, p90: 50, p99: 50 }],
      },
    },
  ]);
  assert.deepEqual(
    merged.workers?.map((w) => [w.node, w.answered, w.hosts.length]),
    [
      ["w1", true, 1],
      ["w2", true, 1],
      ["w3", false, 0],
      ["w4", false, 0],
    ],
  );
  for (const bad of ["{", "{}", '[{"name":1}]', JSON.stringify([{ name: "a", sessions: 1, health: {} }])])
    assert.equal(parseHostFigures(bad), undefined, bad);
});
