// `serve --workers N`: N server processes under Node's cluster module, sharing the listening ports
// Each worker is a cluster node of its own ([cluster] is required: the workers share sessions through
// Redis like separate machines would). The primary only supervises: it restarts a worker that dies
// and, on SIGINT/SIGTERM, stops them all. It does not accept connections (see schedulingPolicy).
import cluster, { type Worker } from "node:cluster";
import type { Logger } from "../log.ts";
import { createGatherRelay } from "./worker-gather.ts";

/** The env variable telling a worker its index (its node name is the configured one plus "-w<index>"). */
export const WORKER_ENV = "XHA_WORKER_INDEX";

/** A restarted worker waits this long, so a worker that cannot start does not spin. */
const RESTART_DELAY_MS = 1000;

export function workerIndex(): number | undefined {
  if (!cluster.isWorker) return undefined;
  const n = Number(process.env[WORKER_ENV]);
  return Number.isInteger(n) ? n : undefined;
}

/**
 * Node's default on Linux is round-robin in the primary: it accepts every connection and passes the
 * handle to a worker over IPC, one process doing serial work for all (measured: about a fifth of a
 * login's CPU, in the primary alone, plus the workers' side of the hand-over). With SCHED_NONE the
 * workers accept on the shared listening socket themselves and the kernel picks who gets each one;
 * a busy worker is not waiting in accept, so the idle one takes it. NODE_CLUSTER_SCHED_POLICY=rr
 * (Node's own variable) brings round-robin back.
 */
export function schedulingPolicy(env: NodeJS.ProcessEnv = process.env): number {
  return env.NODE_CLUSTER_SCHED_POLICY === "rr" ? cluster.SCHED_RR : cluster.SCHED_NONE;
}

/**
 * Runs in the primary until `stop` resolves and every worker has exited. It also relays the workers'
 * requests for each other's metrics (worker-gather.ts); `nodeName` names a worker before it has said.
 */
export async function superviseWorkers(
  count: number,
  stop: Promise<void>,
  logger: Logger,
  nodeName: (index: number) => string = (i) => `w${i}`,
): Promise<void> {
  // Read by the first fork(); set before it.
  cluster.schedulingPolicy = schedulingPolicy();
  let stopping = false;
  const live = new Map<number, Worker>();
  const relay = createGatherRelay({ count, workers: live, nodeName });
  const fork = (index: number) => {
    const w = cluster.fork({ [WORKER_ENV]: String(index) });
    live.set(index, w);
    relay.attach(index, w);
    w.on("exit", (code, signal) => {
      live.delete(index);
      if (stopping) return;
      logger.error({ worker: index, code, signal }, "a worker exited; starting it again");
      setTimeout(() => {
        if (!stopping) fork(index);
      }, RESTART_DELAY_MS).unref();
    });
  };
  for (let i = 1; i <= count; i++) fork(i);
  logger.info(
    { workers: count, accept: cluster.schedulingPolicy === cluster.SCHED_RR ? "round-robin" : "workers" },
    "workers started",
  );
  await stop;
  stopping = true;
  logger.info({ workers: live.size }, "stopping the workers");
  const exits = [...live.values()].map(
    (w) =>
      new Promise<void>((resolve) => {
        if (w.isDead()) return resolve();
        w.once("exit", () => resolve());
        w.process.kill("SIGTERM");
      }),
  );
  await Promise.all(exits);
}
