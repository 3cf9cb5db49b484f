// `npm run bench [-- --only NAME[,NAME]] [--rounds N] [--duration S]`: runs the suites, shows
// progress on stderr, prints the results table on stdout and writes bench/results/latest.{json,svg}.
// Every process it starts is stopped at the end, on a failure and on Ctrl-C.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { stopAll } from "./lib/children.ts";
import { Progress } from "./lib/progress.ts";
import { Results, renderText } from "./lib/results.ts";
import { renderSvg } from "./lib/svg.ts";
import { findModAuthHttp } from "./targets/prosody.ts";
import { SkipError } from "./targets/target.ts";
import { authdSuite } from "./suites/authd.ts";
import { cacheSuite } from "./suites/cache.ts";
import { extauthSuite } from "./suites/extauth.ts";
import { loginSuite } from "./suites/login.ts";
import { memorySuite } from "./suites/memory.ts";
import { providerSuite } from "./suites/provider.ts";
import { slowApiSuite } from "./suites/slow-api.ts";
import { clusterSuite } from "./suites/cluster.ts";
import { authModesSuite } from "./suites/auth-modes.ts";
import { uploadSuite } from "./suites/upload.ts";
import { pepSuite } from "./suites/pep.ts";
import { mamSuite } from "./suites/mam.ts";
import { mucFanoutSuite } from "./suites/muc-fanout.ts";
import { smSuite } from "./suites/sm.ts";
import { clusterMucSuite } from "./suites/cluster-muc.ts";
import type { Suite } from "./suites/suite.ts";

const SUITES: readonly Suite[] = [
  loginSuite,
  providerSuite,
  slowApiSuite,
  memorySuite,
  authdSuite,
  cacheSuite,
  extauthSuite,
  clusterSuite,
  authModesSuite,
  uploadSuite,
  pepSuite,
  mamSuite,
  mucFanoutSuite,
  smSuite,
  clusterMucSuite,
];
const HERE = fileURLToPath(new URL(".", import.meta.url));
const REPO = resolve(HERE, "..");

function usage(): string {
  const names = SUITES.map((s) => `  ${s.name.padEnd(9)} ${s.summary}`).join("\n");
  return `Usage: npm run bench -- [--only NAME[,NAME]] [--rounds N] [--duration S]\n\nSuites:\n${names}\n`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: "string" },
      rounds: { type: "string", default: "3" },
      duration: { type: "string", default: "5" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help === true) {
    process.stdout.write(usage());
    return 0;
  }
  const rounds = Number(values.rounds);
  const durationS = Number(values.duration);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50)
    throw new Error("--rounds must be an integer from 1 to 50");
  if (!(durationS > 0 && durationS <= 600)) throw new Error("--duration must be seconds in (0, 600]");
  const only = values.only?.split(",").map((s) => s.trim());
  const unknown = only?.filter((n) => !SUITES.some((s) => s.name === n)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown suite(s): ${unknown.join(", ")}\n${usage()}`);
  const selected = SUITES.filter((s) => only === undefined || only.includes(s.name));

  const progress = new Progress();
  const results = new Results();
  const modSearchDir = process.env.MOD_AUTH_HTTP_DIR ?? "/tmp/mods";
  const modDir = findModAuthHttp(modSearchDir);
  const runRoot = mkdtempSync(join(tmpdir(), "xha-bench-"));
  runDirs.push(runRoot);
  const startedAt = new Date();
  // Other work on the machine skews every figure; the load average is recorded with the results.
  const loadBefore = loadavg()[0] ?? Number.NaN;
  progress.phase(`rounds ${rounds}, ${durationS} s per measurement; run dir ${runRoot}`);

  for (const suite of selected) {
    const outcome = {
      name: suite.name,
      status: "ok" as "ok" | "skipped" | "failed",
      notes: [] as string[],
      reason: undefined as string | undefined,
    };
    results.suites.push(outcome);
    progress.phase(`suite ${suite.name}: ${suite.summary}`);
    const runDir = join(runRoot, suite.name);
    mkdirSync(runDir, { recursive: true });
    try {
      await suite.run({
        rounds,
        durationMs: durationS * 1000,
        repoRoot: REPO,
        modSearchDir,
        modDir,
        runDir,
        progress,
        results,
        outcome,
      });
    } catch (err) {
      outcome.status = err instanceof SkipError ? "skipped" : "failed";
      outcome.reason = (err instanceof Error ? err.message : String(err)).split("\n")[0];
      progress.phase(`suite ${suite.name} ${outcome.status}: ${outcome.reason}`);
      if (!(err instanceof SkipError) && err instanceof Error && err.stack !== undefined)
        process.stderr.write(err.stack + "\n");
    } finally {
      // Whatever the suite left running (it should have stopped its own) ends here.
      await stopAll();
    }
  }
  progress.done();

  const outDir = join(HERE, "results");
  mkdirSync(outDir, { recursive: true });
  const json = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    rounds,
    durationS,
    machine: {
      cpus: (await import("node:os")).cpus().length,
      node: process.version,
      platform: process.platform,
    },
    modAuthHttp: modDir !== undefined ? `${modDir}/mod_auth_http/mod_auth_http.lua` : null,
    suites: results.suites,
    figures: results.figures,
    ratios: results.ratios,
  };
  writeFileSync(join(outDir, "latest.json"), JSON.stringify(json, null, 2) + "\n");
  writeFileSync(
    join(outDir, "latest.svg"),
    renderSvg(results.ratios, `xmpp-http-auth benchmarks, ${startedAt.toISOString().slice(0, 10)}`),
  );
  process.stdout.write(
    `machine: ${cpus().length} CPUs, node ${process.version}, 1-min load average ${loadBefore.toFixed(2)} before, ${(loadavg()[0] ?? 0).toFixed(2)} after; ` +
      `${rounds} rounds of ${durationS} s\n\n`,
  );
  process.stdout.write(renderText(results));
  process.stdout.write(`\nwritten: bench/results/latest.json, bench/results/latest.svg\n`);
  removeRunDirs();
  return results.suites.some((s) => s.status === "failed") ? 1 : 0;
}

/** Run dirs to remove on the way out, also after Ctrl-C. */
const runDirs: string[] = [];
const removeRunDirs = (): void => {
  for (const d of runDirs.splice(0)) rmSync(d, { recursive: true, force: true });
};

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`\n[bench] ${signal}: stopping the processes started by this run\n`);
    void stopAll().finally(() => {
      removeRunDirs();
      process.exit(130);
    });
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (err: unknown) => {
    process.stderr.write(`[bench] ${err instanceof Error ? err.message : String(err)}\n`);
    await stopAll();
    removeRunDirs();
    process.exitCode = 2;
  },
);
