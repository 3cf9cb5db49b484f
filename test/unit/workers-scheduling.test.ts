// `serve --workers N`: the workers accept on the shared socket themselves (SCHED_NONE), so the
// primary is no serial hand-over step on every login; Node's own variable can bring round-robin back.
import { test } from "node:test";
import assert from "node:assert/strict";
import cluster from "node:cluster";
import { schedulingPolicy } from "../../src/cli/workers.ts";

test("the workers accept connections themselves by default", () => {
  assert.equal(schedulingPolicy({}), cluster.SCHED_NONE);
  assert.equal(schedulingPolicy({ NODE_CLUSTER_SCHED_POLICY: "none" }), cluster.SCHED_NONE);
});

test("NODE_CLUSTER_SCHED_POLICY=rr brings Node's round-robin in the primary back", () => {
  assert.equal(schedulingPolicy({ NODE_CLUSTER_SCHED_POLICY: "rr" }), cluster.SCHED_RR);
});
