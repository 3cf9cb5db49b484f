// Regression: under `serve --workers N`, /metrics (and the admin overview) answered with the figures of
// whichever worker the kernel gave the connection to. A worker now gathers its siblings' through the
// primary over the real cluster IPC channel; one that is restarting, hangs, answers too much or sends
// malformed messages is left out (and shown as such) without delaying the answer beyond the timeout.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import cluster, { type Worker } from "node:cluster";
import { fileURLToPath } from "node:url";
import { createGatherRelay, type WorkerPart } from "../../src/cli/worker-gather.ts";
import { mergeExpositions, workerGauges } from "../../src/http/metrics-merge.ts";

const FIXTURE = fileURLToPath(new URL("../fixtures/workers/gather-worker.ts", import.meta.url));
const MODES = ["answer", "answer", "silent", "hang", "huge", "garbage"];
const live = new Map<number, Worker>();

after(async () => {
  await Promise.all(
    [...live.values()].map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.isDead()) return resolve();
          w.once("exit", () => resolve());
          w.process.kill("SIGKILL");
        }),
    ),
  );
});

const message = <T>(w: Worker, test: string) =>
  new Promise<T>((resolve) => {
    const on = (m: unknown) => {
      if (typeof m === "object" && m !== null && (m as { test?: unknown }).test === test) {
        w.off("message", on);
        resolve(m as T);
      }
    };
    w.on("message", on);
  });

test("a worker's gather holds every worker: answers from those that can, a gap for the others", async () => {
  cluster.setupPrimary({ exec: FIXTURE, execArgv: ["--import", "tsx"], silent: true });
  const relay = createGatherRelay({
    count: MODES.length,
    workers: live,
    nodeName: (i) => `t-w${i}`,
    timeoutMs: 500,
  });
  await Promise.all(
    MODES.map((mode, i) => {
      const w = cluster.fork({ XHA_WORKER_INDEX: String(i + 1), GATHER_MODE: mode });
      live.set(i + 1, w);
      relay.attach(i + 1, w);
      return message(w, "started");
    }),
  );
  const asker = live.get(1)!;
  const answer = message<{ parts: WorkerPart[] }>(asker, "parts");
  asker.send({ test: "gather" });
  const { parts } = await answer;
  assert.deepEqual(
    parts.map((p) => [p.index, p.node, p.body === undefined ? "none" : "text"]),
    [
      [1, "t-w1", "text"],
      [2, "t-w2", "text"],
      [3, "t-w3", "none"],
      [4, "t-w4", "none"],
      [5, "t-w5", "none"],
      [6, "t-w6", "text"],
    ],
  );
  const metrics = parts.map((p) => ({ node: p.node, text: p.body }));
  const text = mergeExpositions(metrics) + workerGauges(metrics);
  assert.equal(
    text,
    "# HELP t_up Test.\n# TYPE t_up gauge\n" +
      't_up{node="t-w1"} 1\nt_up{node="t-w2"} 2\nt_up{node="t-w6"} 6\n' +
      "# HELP xha_workers Worker processes under serve --workers.\n# TYPE xha_workers gauge\nxha_workers 6\n" +
      "# HELP xha_workers_answering Workers whose metrics are in this answer.\n" +
      "# TYPE xha_workers_answering gauge\nxha_workers_answering 3\n" +
      "# HELP xha_worker_up 1 when the worker's metrics are in this answer; 0 when it did not answer in time.\n" +
      "# TYPE xha_worker_up gauge\n" +
      'xha_worker_up{node="t-w1"} 1\nxha_worker_up{node="t-w2"} 1\nxha_worker_up{node="t-w3"} 0\n' +
      'xha_worker_up{node="t-w4"} 0\nxha_worker_up{node="t-w5"} 0\nxha_worker_up{node="t-w6"} 1\n',
  );

  // A worker that died is a gap at once, and the others still answer.
  const second = live.get(2)!;
  await new Promise<void>((resolve) => {
    second.once("exit", () => resolve());
    second.process.kill("SIGKILL");
  });
  live.delete(2);
  const again = message<{ parts: WorkerPart[] }>(asker, "parts");
  asker.send({ test: "gather" });
  assert.deepEqual(
    (await again).parts.map((p) => p.body !== undefined),
    [true, false, false, false, false, true],
  );
});
