// Where a login's CPU goes: our server (compiled, or from source) in its own process under
// `node --cpu-prof`, the bench auth API in another, the login load from this process. Prints the
// server's and this load generator's CPU per login (is the generator the bottleneck?) and the
// functions with the most self time in the server's profile.
//   node --import tsx bench/tools/login-profile.ts [--starttls] [--concurrency 16] [--duration 10] [--top 30]
//     [--source] [--callers FUNCTION]   (the call paths, --depth frames up [4], that spend time in FUNCTION)
//     [--sql] (PostgreSQL storage) [--cluster] (PostgreSQL and a one-node [cluster] on Redis)
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { cpuSeconds } from "../lib/proc-stats.ts";
import { runLoginLoad } from "../load/login-load.ts";
import { startApi } from "../targets/api.ts";
import { startOurs } from "../targets/ours.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values } = parseArgs({
  options: {
    starttls: { type: "boolean", default: false },
    concurrency: { type: "string", default: "16" },
    duration: { type: "string", default: "10" },
    top: { type: "string", default: "30" },
    source: { type: "boolean", default: false },
    callers: { type: "string" },
    depth: { type: "string", default: "4" },
    sql: { type: "boolean", default: false },
    cluster: { type: "boolean", default: false },
  },
});
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const runDir = mkdtempSync(join(tmpdir(), "xha-prof-"));
const profDir = join(runDir, "prof");
const PG = process.env.XHA_BENCH_POSTGRES_URL ?? "postgres://127.0.0.1:5432/test";
const REDIS = process.env.XHA_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const schema = `xha_prof_${process.pid}`;
const sql = values.sql || values.cluster;
const api = await startApi("api-profile");
const target = await startOurs({
  repoRoot,
  runDir,
  hosts: [{ domain: "http.test", apiUrl: api.url }],
  starttls: values.starttls,
  fromSource: values.source,
  nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profDir}`],
  ...(sql ? { extraToml: ['storage = "sql"', `sql = "${PG}?schema=${schema}"`] } : {}),
  ...(values.cluster ? { cluster: { redis: REDIS, prefix: `xhaprof-${process.pid}`, node: "p1" } } : {}),
});
try {
  const load = (durationMs: number) =>
    runLoginLoad({
      port: target.port,
      domain: target.domain,
      starttls: values.starttls,
      stepTimeoutMs: 10_000,
      concurrency: Number(values.concurrency),
      durationMs,
      credentials: (w) => target.credentials(w, 0),
    });
  await load(2000); // warm-up: JIT, pools
  const server0 = cpuSeconds(target.pid);
  const gen0 = process.cpuUsage();
  const res = await load(Number(values.duration) * 1000);
  const gen = process.cpuUsage(gen0);
  const server = cpuSeconds(target.pid) - server0;
  const per = (s: number): string => ((s * 1000) / res.logins).toFixed(3);
  console.log(
    `${values.starttls ? "STARTTLS" : "plain"} c=${values.concurrency}: ${res.loginsPerS.toFixed(0)} logins/s, ` +
      `${res.errors} errors, p50 ${res.p50Ms.toFixed(2)} ms`,
  );
  console.log(
    `CPU per login: server ${per(server)} ms, load generator ${per((gen.user + gen.system) / 1e6)} ms`,
  );
} finally {
  await target.stop();
  await api.stop();
  if (sql) {
    const { default: postgres } = await import("postgres");
    const db = postgres(PG, { max: 1, onnotice: () => {} });
    await db`DROP SCHEMA IF EXISTS ${db(schema)} CASCADE`.catch(() => {});
    await db.end({ timeout: 1 });
  }
}

const file = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
if (file === undefined) throw new Error("no profile written");
const profile = JSON.parse(readFileSync(join(profDir, file), "utf8")) as Profile;
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const byFunction = new Map<string, number>();
let total = 0;
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  const { functionName, url, lineNumber } = node.callFrame;
  if (functionName === "(idle)") continue;
  total += us;
  const where = url
    .replace(/^file:\/\//, "")
    .replace(runDir, "")
    .replace(repoRoot, "");
  const key = `${functionName || "(anonymous)"} ${where}${where ? `:${lineNumber + 1}` : ""}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
}
console.log(`\nbusy ${(total / 1000).toFixed(0)} ms in the profile; top self time:`);
for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top)))
  console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`);
if (values.callers !== undefined) {
  const parent = new Map<number, ProfileNode>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const paths = new Map<string, number>();
  for (const n of profile.nodes) {
    if (n.callFrame.functionName !== values.callers) continue;
    const frames: string[] = [];
    for (
      let p = parent.get(n.id);
      p !== undefined && frames.length < Number(values.depth);
      p = parent.get(p.id)
    )
      frames.push(`${p.callFrame.functionName || "(anonymous)"}:${p.callFrame.lineNumber + 1}`);
    const key = frames.join(" < ");
    paths.set(key, (paths.get(key) ?? 0) + (selfUs.get(n.id) ?? 0));
  }
  console.log(`\ncallers of ${values.callers}:`);
  for (const [key, us] of [...paths].sort((a, b) => b[1] - a[1]).slice(0, 12))
    console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`);
}
rmSync(runDir, { recursive: true, force: true });
