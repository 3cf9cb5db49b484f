// What one login costs a cluster node, in counts that hold on a loaded machine: a fixed number of
// logins against `serve --workers N` ([cluster] on Redis, PostgreSQL storage), then per login the
// CPU of the workers and of the primary (separately), Redis commands with our key prefix (MONITOR),
// and with --strace the system calls of the whole server tree (strace -f -c; slows it down a lot,
// but counts do not care).
//   node --import tsx bench/tools/cluster-login-cost.ts [--workers 1,2] [--logins 3000]
//     [--concurrency 16] [--strace]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { Redis } from "ioredis";
import { runLoginLoad } from "../load/login-load.ts";
import { startApi } from "../targets/api.ts";
import { startOurs } from "../targets/ours.ts";
import { childPids, cpuSecondsOf } from "../lib/proc-stats.ts";
import { waitForNodes } from "../lib/cluster-nodes.ts";

const { values } = parseArgs({
  options: {
    workers: { type: "string", default: "1,2" },
    logins: { type: "string", default: "3000" },
    concurrency: { type: "string", default: "16" },
    strace: { type: "boolean", default: false },
  },
});
const PG = process.env.XHA_BENCH_POSTGRES_URL ?? "postgres://127.0.0.1:5432/test";
const REDIS = process.env.XHA_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const runDir = mkdtempSync(join(tmpdir(), "xha-ccost-"));
const schema = `xha_ccost_${process.pid}`;
const concurrency = Number(values.concurrency);
const total = Number(values.logins);
const api = await startApi("api-ccost");

async function once(workers: number): Promise<void> {
  const prefix = `xhaccost-${process.pid}-${workers}`;
  const target = await startOurs({
    repoRoot,
    runDir: join(runDir, `w${workers}`),
    hosts: [{ domain: "http.test", apiUrl: api.url }],
    starttls: false,
    extraToml: ["http_ports = []", "https_ports = []", 'storage = "sql"', `sql = "${PG}?schema=${schema}"`],
    cluster: { redis: REDIS, prefix, node: `w${workers}` },
    workers,
  });
  const monitor = new Redis(REDIS);
  try {
    await waitForNodes(REDIS, prefix, workers);
    const load = (n: number) =>
      runLoginLoad({
        port: target.port,
        domain: target.domain,
        starttls: false,
        stepTimeoutMs: 20_000,
        concurrency,
        durationMs: 600_000,
        maxLoginsPerWorker: Math.ceil(n / concurrency),
        credentials: (w) => ({ user: `u${w}`, password: "secret" }),
      });
    await load(concurrency * 40); // warm-up: JIT, pools
    const kids = workers > 1 ? childPids(target.pid) : [];
    let commands = 0;
    const byCommand = new Map<string, number>();
    await monitor.monitor().then((m) =>
      m.on("monitor", (_t: string, args: string[]) => {
        if (!args.some((a) => a.startsWith(`${prefix}:`))) return;
        commands++;
        const name = String(args[0]).toLowerCase();
        byCommand.set(name, (byCommand.get(name) ?? 0) + 1);
      }),
    );
    const strace = values.strace ? startStrace([target.pid, ...kids]) : undefined;
    if (strace !== undefined) await new Promise((r) => setTimeout(r, 1000));
    const primary0 = cpuSecondsOf(target.pid);
    const kids0 = kids.map(cpuSecondsOf);
    const gen0 = process.cpuUsage();
    const res = await load(total);
    const gen = process.cpuUsage(gen0);
    const primary = cpuSecondsOf(target.pid) - primary0;
    const kidsEach = kids.map((k, i) => cpuSecondsOf(k) - (kids0[i] ?? 0));
    const kidsCpu = kidsEach.reduce((a, b) => a + b, 0);
    const syscalls = strace === undefined ? undefined : await strace.stop();
    const per = (s: number) => ((s * 1000) / res.logins).toFixed(3);
    const serverProcs =
      workers > 1 ? `workers ${per(kidsCpu)} ms + primary ${per(primary)} ms` : `${per(primary)} ms`;
    console.log(
      `--workers ${workers}: ${res.logins} logins, ${res.errors} errors, ${res.loginsPerS.toFixed(0)}/s`,
    );
    console.log(
      `  CPU per login: server ${serverProcs}; load generator ${per((gen.user + gen.system) / 1e6)} ms`,
    );
    if (kids.length > 1)
      console.log(
        `  the workers' shares of their CPU: ${kidsEach.map((c) => `${((100 * c) / kidsCpu).toFixed(0)}%`).join(", ")}`,
      );
    const cmds = [...byCommand].map(([k, v]) => `${k} ${(v / res.logins).toFixed(2)}`).join(", ");
    console.log(`  Redis commands per login: ${(commands / res.logins).toFixed(2)} (${cmds})`);
    if (syscalls !== undefined) {
      const top = [...syscalls.byName]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 12)
        .map(([k, v]) => `${k} ${(v / res.logins).toFixed(2)}`)
        .join(", ");
      console.log(`  syscalls per login: ${(syscalls.total / res.logins).toFixed(1)} (${top})`);
    }
  } finally {
    monitor.disconnect();
    await target.stop();
    const r = new Redis(REDIS);
    const keys = await r.keys(`${prefix}:*`);
    if (keys.length > 0) await r.del(...keys);
    r.disconnect();
  }
}

function startStrace(pids: number[]) {
  const out = join(runDir, `strace-${pids[0]}.txt`);
  const p = spawn("strace", ["-f", "-c", "-o", out, ...pids.flatMap((x) => ["-p", String(x)])], {
    stdio: "ignore",
  });
  return {
    async stop() {
      const done = new Promise((r) => p.once("exit", r));
      p.kill("SIGINT");
      await done;
      const { readFileSync } = await import("node:fs");
      const byName = new Map<string, number>();
      let total = 0;
      for (const line of readFileSync(out, "utf8").split("\n")) {
        const f = line.trim().split(/\s+/);
        // % time, seconds, usecs/call, calls, [errors], syscall
        if (f.length < 5 || !/^\d/.test(f[0] ?? "")) continue;
        const name = f[f.length - 1] ?? "";
        const calls = Number(f[3]);
        if (name === "total") total = calls;
        else byName.set(name, calls);
      }
      return { total, byName };
    },
  };
}

try {
  for (const w of values.workers.split(",").map(Number)) await once(w);
} finally {
  await api.stop();
  const sql = postgres(PG, { max: 1, onnotice: () => {} });
  await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`.catch(() => {});
  await sql.end({ timeout: 1 });
  rmSync(runDir, { recursive: true, force: true });
}
