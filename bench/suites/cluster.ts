// Suite `cluster`: logins/s and CPU per login with `serve --workers 2` against `--workers 1` (one
// port, one machine; the workers' CPU and the primary's apart, and the bench's own CPU per login
// beside them since its load generator and API share the cores; Redis commands per login, counted),
// and a chat message between two nodes against one within a node (median and p99 delivery latency,
// messages/s). Needs PostgreSQL and Redis (XHA_BENCH_POSTGRES_URL,
// XHA_BENCH_REDIS_URL; defaults on 127.0.0.1); uses a schema and a key prefix of its own.
import { join } from "node:path";
import { Redis } from "ioredis";
import { startApi } from "../targets/api.ts";
import { startOurs } from "../targets/ours.ts";
import { SkipError, type Target } from "../targets/target.ts";
import { login } from "../load/xmpp-login.ts";
import { measureMessages } from "../load/message-latency.ts";
import { percentile } from "../lib/stats.ts";
import { measureLogin, type MeasureOptions } from "./measure-login.ts";
import { runLoginLoad } from "../load/login-load.ts";
import { childPids, cpuSeconds, cpuSecondsOf } from "../lib/proc-stats.ts";
import { capCpu, cpuCapMissing } from "../lib/cpu-cap.ts";
import {
  BENCH_PG,
  BENCH_REDIS,
  clusterServicesMissing,
  removeClusterData,
  waitForNodes,
} from "../lib/cluster-nodes.ts";
import type { Suite, SuiteContext } from "./suite.ts";

const PG = BENCH_PG;
const REDIS = BENCH_REDIS;
const DOMAIN = "http.test";

export const clusterSuite: Suite = {
  name: "cluster",
  summary: "serve --workers 2 vs 1 (logins/s, CPU/login); a message across nodes vs within one",
  async run(ctx) {
    const missing = await clusterServicesMissing();
    if (missing !== undefined) throw new SkipError(missing);
    const schema = `xha_bench_${process.pid}`;
    const prefix = `xhabench-${process.pid}`;
    const api = await startApi("api-cluster");
    const targets: Target[] = [];
    // Each cluster measured is a cluster of its own (key prefix `<run>-<cluster>`): a node measured
    // alone must not pay for announcing its logins to the other targets' nodes, nor share the cores
    // with them parsing those announcements.
    const start = (name: string, workers: number, label: string, cluster: string | false = name) =>
      startOurs({
        repoRoot: ctx.repoRoot,
        runDir: join(ctx.runDir, name),
        hosts: [{ domain: DOMAIN, apiUrl: api.url }],
        starttls: false,
        extraToml: [
          "http_ports = []",
          "https_ports = []",
          'storage = "sql"',
          `sql = ${JSON.stringify(`${PG}?schema=${schema}`)}`,
        ],
        ...(cluster === false
          ? {}
          : { cluster: { redis: REDIS, prefix: `${prefix}-${cluster}`, node: name } }),
        workers,
        label,
      }).then((t) => (targets.push(t), t));
    try {
      await loginRatio(ctx, api, start, prefix);
      await Promise.allSettled(targets.splice(0).map((t) => t.stop()));
      await messages(ctx, start);
    } finally {
      await Promise.allSettled(targets.map((t) => t.stop()));
      await api.stop();
      await removeClusterData(schema, prefix);
    }
  },
};

const CONCURRENCY = 64;
const CASE = `logins c=${CONCURRENCY}`;

/** `cluster`: the cluster the target joins (key prefix `<run>-<cluster>`; default: one of its own), or false. */
type Start = (name: string, workers: number, label: string, cluster?: string | false) => Promise<Target>;
type Api = Parameters<typeof measureLogin>[1]["api"] & object;

async function loginRatio(ctx: SuiteContext, api: Api, start: Start, prefix: string) {
  const one = await start("w1", 1, "ours --workers 1");
  const two = await start("w2", 2, "ours --workers 2");
  // The ceiling of this machine for this load: two independent servers (no [cluster], nothing
  // shared but PostgreSQL and the API), each given half of the same load generator's clients, against
  // one of them alone. No cluster can scale better than that here; what is left below it is the
  // cluster's own cost.
  const solo = await start("s1", 1, "ours, no cluster", false);
  const soloB = await start("s2", 1, "ours, no cluster (2nd)", false);
  // Two cluster nodes on ports of their own: the cluster's cost without the shared port.
  const nodeA = await start("c1", 1, "ours, cluster node on its own port", "c");
  const nodeB = await start("c2", 1, "ours, cluster node on its own port (2nd)", "c");
  // The port opens with the first worker: wait until every node has joined.
  for (const [cluster, n] of [
    ["w1", 1],
    ["w2", 2],
    ["c", 2],
  ] as const)
    await waitForNodes(REDIS, `${prefix}-${cluster}`, n);
  // 64 clients: enough that every case is bound by CPU, not by the round trips of a login (a cluster
  // bind waits for Redis; at 16 clients one node was idle part of the time).
  const opts = { concurrency: CONCURRENCY, starttls: false, api };
  for (const t of [one, two, solo, soloB, nodeA, nodeB])
    await measureLogin(t, { ...opts, durationMs: 1000 }, ctx.progress);
  for (const t of [one, two]) {
    // Counts, not time: a fixed number of logins under MONITOR (never during the timed rounds).
    const n = await redisCommandsPerLogin(t, prefix);
    ctx.results.add("cluster", CASE, t.label, "Redis commands per login", "n", n);
  }
  const ratio = (name: string, higherIsBetter: boolean, v: number) =>
    ctx.results.ratio("cluster", CASE, name, higherIsBetter, v);
  for (let r = 0; r < ctx.rounds; r++) {
    ctx.progress.phase(`cluster logins round ${r + 1}/${ctx.rounds}`);
    const m = new Map<string, { loginsPerS: number; cpuMsPerLogin: number }>();
    for (const t of [one, two, solo]) {
      // The primary apart from the workers; the bench's own processes (this load generator and the
      // auth API) share the same cores, and their CPU per login says how much of them is left.
      const primary0 = cpuSecondsOf(t.pid);
      const bench0 = process.cpuUsage();
      const api0 = cpuSeconds(api.pid);
      const x = await measureLogin(t, { ...opts, durationMs: ctx.durationMs }, ctx.progress);
      const bench = process.cpuUsage(bench0);
      const perLogin = (s: number) => (x.logins > 0 ? (s * 1000) / x.logins : Number.NaN);
      const primaryMs = perLogin(cpuSecondsOf(t.pid) - primary0);
      const benchMs = perLogin((bench.user + bench.system) / 1e6 + cpuSeconds(api.pid) - api0);
      ctx.progress.done();
      const add = (metric: string, unit: string, v: number) =>
        ctx.results.add("cluster", CASE, t.label, metric, unit, v);
      add("logins/s", "1/s", x.loginsPerS);
      add("CPU per login, all", "ms", x.cpuMsPerLogin);
      if (t === two) {
        add("CPU per login, workers", "ms", x.cpuMsPerLogin - primaryMs);
        add("CPU per login, primary", "ms", primaryMs);
      }
      add("CPU per login, load gen + API", "ms", benchMs);
      m.set(t.label, x);
    }
    const pair = await measurePair(solo, soloB, { ...opts, durationMs: ctx.durationMs }, ctx);
    ctx.results.add("cluster", CASE, "ours, 2 processes, no cluster", "logins/s", "1/s", pair.loginsPerS);
    ctx.results.add(
      "cluster",
      CASE,
      "ours, 2 processes, no cluster",
      "CPU per login, all",
      "ms",
      pair.cpuMsPerLogin,
    );
    const nodes = await measurePair(nodeA, nodeB, { ...opts, durationMs: ctx.durationMs }, ctx);
    const twoNodes = "ours, 2 cluster nodes, a port each";
    ctx.results.add("cluster", CASE, twoNodes, "logins/s", "1/s", nodes.loginsPerS);
    ctx.results.add("cluster", CASE, twoNodes, "CPU per login, all", "ms", nodes.cpuMsPerLogin);
    const a = m.get(one.label);
    const b = m.get(two.label);
    const s1 = m.get(solo.label);
    if (a === undefined || b === undefined || s1 === undefined) continue;
    const ceiling = pair.loginsPerS / s1.loginsPerS;
    ratio("ceiling: 2 independent processes ÷ 1 (no cluster)", true, ceiling);
    ratio("logins/s workers 2 ÷ 1", true, b.loginsPerS / a.loginsPerS);
    ratio("workers 2 ÷ 1, as a share of the ceiling", true, b.loginsPerS / a.loginsPerS / ceiling);
    ratio("logins/s one node: cluster ÷ no cluster", true, a.loginsPerS / s1.loginsPerS);
    ratio("CPU/login workers 2 ÷ 1", false, b.cpuMsPerLogin / a.cpuMsPerLogin);
    ratio("CPU/login 2 processes ÷ 1, no cluster", false, pair.cpuMsPerLogin / s1.cpuMsPerLogin);
    ratio("logins/s 2 nodes a port each ÷ workers 1", true, nodes.loginsPerS / a.loginsPerS);
    await capped(ctx, [one, two], opts, ratio);
  }
}

/** The share of a CPU each worker gets in the capped case. */
const CAP_PER_WORKER = 0.4;

/**
 * `--workers 1` and `2` again, with the server's processes in a cgroup capped at CAP_PER_WORKER CPU
 * per worker: the load generator, the API, PostgreSQL and Redis keep more than a core between them,
 * so the ratio says whether a second worker given its own CPU doubles what the server does (as on a
 * machine whose load comes from elsewhere). Skipped, with the reason, where cgroups cannot be made.
 */
async function capped(
  ctx: SuiteContext,
  [one, two]: [Target, Target],
  opts: Omit<MeasureOptions, "durationMs">,
  ratio: (name: string, higherIsBetter: boolean, v: number) => void,
): Promise<void> {
  const missing = cpuCapMissing();
  if (missing !== undefined) return ctx.progress.phase(`cluster capped case skipped: ${missing}`);
  const rates: number[] = [];
  for (const [t, workers] of [
    [one, 1],
    [two, 2],
  ] as const) {
    const cap = capCpu([t.pid, ...childPids(t.pid)], CAP_PER_WORKER * workers, `w${workers}`);
    try {
      const x = await measureLogin(t, { ...opts, durationMs: ctx.durationMs }, ctx.progress);
      ctx.progress.done();
      const label = `${t.label}, ${CAP_PER_WORKER * workers} CPU (cgroup)`;
      ctx.results.add("cluster", CASE, label, "logins/s", "1/s", x.loginsPerS);
      ctx.results.add("cluster", CASE, label, "CPU per login, all", "ms", x.cpuMsPerLogin);
      rates.push(x.loginsPerS);
    } finally {
      cap.release();
    }
  }
  const [a, b] = rates;
  if (a !== undefined && b !== undefined)
    ratio(`workers 2 ÷ 1, ${CAP_PER_WORKER} CPU per worker (cgroup)`, true, b / a);
}

/** Both targets at once, each with half the clients: summed logins/s, CPU per login of both. */
async function measurePair(
  x: Target,
  y: Target,
  opts: Parameters<typeof measureLogin>[1],
  ctx: SuiteContext,
): Promise<{ loginsPerS: number; cpuMsPerLogin: number }> {
  const half = { ...opts, concurrency: Math.ceil(opts.concurrency / 2) };
  const [p, q] = await Promise.all([
    measureLogin(x, half, ctx.progress),
    measureLogin(y, half, ctx.progress),
  ]);
  ctx.progress.done();
  const logins = p.logins + q.logins;
  return {
    loginsPerS: p.loginsPerS + q.loginsPerS,
    cpuMsPerLogin: (p.cpuMsPerLogin * p.logins + q.cpuMsPerLogin * q.logins) / logins,
  };
}

/** Redis commands carrying our key prefix per login (Lua scripts' inner commands included). */
async function redisCommandsPerLogin(t: Target, prefix: string): Promise<number> {
  const monitor = new Redis(REDIS);
  try {
    let commands = 0;
    const m = await monitor.monitor();
    m.on("monitor", (_time: string, args: string[]) => {
      if (args.some((a) => a.startsWith(`${prefix}-`))) commands++;
    });
    const res = await runLoginLoad({
      port: t.port,
      domain: t.domain,
      starttls: false,
      stepTimeoutMs: 10_000,
      concurrency: 16,
      durationMs: 60_000,
      maxLoginsPerWorker: 20,
      credentials: (w, n) => t.credentials(w, n),
    });
    // MONITOR lines trail the replies a little.
    await new Promise((r) => setTimeout(r, 200));
    m.disconnect();
    return res.logins > 0 ? commands / res.logins : Number.NaN;
  } finally {
    monitor.disconnect();
  }
}

async function messages(ctx: SuiteContext, start: Start) {
  const a = await start("a", 1, "node a", "m");
  const b = await start("b", 1, "node b", "m");
  const on = (t: Target, user: string) =>
    login({ port: t.port, domain: DOMAIN, starttls: false, stepTimeoutMs: 10_000 }, user, "secret", "r");
  const sender = await on(a, "u1");
  const sameNode = await on(a, "u2");
  const otherNode = await on(b, "u3");
  // Until node a sees u3 on node b (announcements go through Redis).
  await new Promise((r) => setTimeout(r, 500));
  try {
    for (let r = 0; r < ctx.rounds; r++) {
      ctx.progress.phase(`cluster messages round ${r + 1}/${ctx.rounds}`);
      const p99 = new Map<string, number>();
      for (const [kase, to, jid] of [
        ["same node", sameNode, `u2@${DOMAIN}/r`],
        ["across nodes", otherNode, `u3@${DOMAIN}/r`],
      ] as const) {
        const m = await measureMessages(sender.socket, jid, to.socket, {
          pings: 1000,
          burst: 3000,
          window: 64,
          timeoutMs: 10_000,
        });
        const sorted = [...m.latenciesMs].sort((x, y) => x - y);
        ctx.results.add("cluster", "messages", kase, "median latency", "ms", percentile(sorted, 50));
        ctx.results.add("cluster", "messages", kase, "p99 latency", "ms", percentile(sorted, 99));
        ctx.results.add("cluster", "messages", kase, "msgs/s", "1/s", m.msgsPerS);
        p99.set(kase, percentile(sorted, 99));
      }
      const cross = p99.get("across nodes");
      const same = p99.get("same node");
      if (cross !== undefined && same !== undefined)
        ctx.results.add("cluster", "messages", "across − same", "p99 latency added", "ms", cross - same);
    }
  } finally {
    for (const s of [sender, sameNode, otherNode]) s.destroy();
  }
}
