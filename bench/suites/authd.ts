// Suite `authd`: check_password requests/s against our reference auth service on SQLite and
// PostgreSQL, next to the raw Argon2id verify rate (same parameters, same concurrency, this machine):
// Argon2id is the cost a correct service cannot avoid, so the ratio shows what the service adds.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hash, verify } from "@node-rs/argon2";
import postgres from "postgres";
import { Pool } from "undici";
import { runCommand, startChild, type Child } from "../lib/children.ts";
import { freePort, waitForPort } from "../lib/net-util.ts";
import { SkipError } from "../targets/target.ts";
import type { Suite, SuiteContext } from "./suite.ts";
import { rate } from "../lib/rate.ts";
import { compiledEntry } from "../targets/ours.ts";

// OWASP's Argon2id minimum, written into the config so authd and the raw verify use the same cost.
const ARGON2 = { memoryKib: 19456, iterations: 2, parallelism: 1 };
const LEVELS = [1, 8];
export const DOMAIN = "bench.test";
export const USER = "bench";
export const PASSWORD = "correct horse battery staple";
const PG_CANDIDATES = ["postgres://root@127.0.0.1:5432/test", "postgres://postgres@127.0.0.1:5432/test"];

/** A PostgreSQL URL that answers, with a schema of our own, and how to drop that schema. */
async function findPostgres(): Promise<{ url: string; drop: () => Promise<void> } | string> {
  const schema = `xha_bench_${process.pid}`;
  for (const base of process.env.XHA_TEST_PG !== undefined ? [process.env.XHA_TEST_PG] : PG_CANDIDATES) {
    const sql = postgres(base, { max: 1, connect_timeout: 3, onnotice: () => undefined });
    try {
      await sql`SELECT 1`;
      await sql.end({ timeout: 1 });
      const drop = async (): Promise<void> => {
        const s = postgres(base, { max: 1, connect_timeout: 3, onnotice: () => undefined });
        try {
          await s.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        } finally {
          await s.end({ timeout: 1 });
        }
      };
      return { url: `${base}?schema=${schema}`, drop };
    } catch {
      await sql.end({ timeout: 1 }).catch(() => undefined);
    }
  }
  return `no PostgreSQL answering at ${PG_CANDIDATES.join(" or ")}`;
}

export async function startAuthd(
  ctx: SuiteContext,
  name: string,
  database: string,
): Promise<{ child: Child; port: number }> {
  const port = await freePort();
  const config = join(ctx.runDir, `${name}.toml`);
  writeFileSync(
    config,
    [
      "[authd]",
      'interfaces = ["127.0.0.1"]',
      `port = ${port}`,
      `database = ${JSON.stringify(database)}`,
      `domains = [${JSON.stringify(DOMAIN)}]`,
      `argon2_memory_kib = ${ARGON2.memoryKib}`,
      `argon2_iterations = ${ARGON2.iterations}`,
      `argon2_parallelism = ${ARGON2.parallelism}`,
      // Only right passwords are sent; the lockout would only add a lookup.
      "lockout_max_failures = 0",
      "",
    ].join("\n"),
  );
  // Compiled, as the server is: what `npm run build` ships, without tsx's per-function wrappers.
  const entry = compiledEntry(ctx.repoRoot, ctx.runDir);
  const add = await runCommand(
    process.execPath,
    [entry, "user", "add", `${USER}@${DOMAIN}`, "--config", config, "--password-stdin"],
    {
      cwd: ctx.repoRoot,
      input: PASSWORD + "\n",
      timeoutMs: 60_000,
    },
  );
  if (add.code !== 0 && !/exist/i.test(add.output))
    throw new Error(`user add failed: ${add.output.trim().split("\n").pop() ?? ""}`);
  const child = startChild(`authd-${name}`, process.execPath, [entry, "authd", "--config", config], {
    cwd: ctx.repoRoot,
  });
  if (!(await waitForPort(port, 30_000, () => child.proc.exitCode === null))) {
    await child.stop();
    throw new Error(
      `authd (${name}) did not open port ${port}: ${child.output().trim().split("\n").pop() ?? ""}`,
    );
  }
  return { child, port };
}

export const authdSuite: Suite = {
  name: "authd",
  summary: "check_password req/s against authd (SQLite, PostgreSQL) next to raw Argon2id verify/s",
  async run(ctx) {
    if (!existsSync(join(ctx.repoRoot, "src", "cli", "authd.ts")))
      throw new SkipError("authd is not written yet (src/cli/authd.ts missing)");
    const stored = await hash(PASSWORD, {
      memoryCost: ARGON2.memoryKib,
      timeCost: ARGON2.iterations,
      parallelism: ARGON2.parallelism,
    });
    const raw = async (): Promise<boolean> => verify(stored, PASSWORD);

    const dbs: { name: string; database: string; cleanup?: () => Promise<void> }[] = [
      { name: "sqlite", database: `sqlite:${join(ctx.runDir, "authd.sqlite")}` },
    ];
    const pg = await findPostgres();
    if (typeof pg === "string") ctx.outcome.notes.push(`PostgreSQL not measured: ${pg}`);
    else dbs.push({ name: "postgres", database: pg.url, cleanup: pg.drop });

    ctx.outcome.notes.push(
      `Argon2id m=${ARGON2.memoryKib} KiB t=${ARGON2.iterations} p=${ARGON2.parallelism}`,
    );
    for (const db of dbs) {
      let server: { child: Child; port: number } | undefined;
      try {
        server = await startAuthd(ctx, db.name, db.database);
        const pool = new Pool(`http://127.0.0.1:${server.port}`, { connections: 64 });
        const path = `/auth/check_password?user=${USER}&pass=${encodeURIComponent(PASSWORD)}&server=${DOMAIN}`;
        const viaAuthd = async (): Promise<boolean> => {
          const res = await pool.request({ method: "GET", path });
          return res.statusCode === 200 && (await res.body.text()) === "true";
        };
        try {
          if (!(await viaAuthd()))
            throw new Error(`authd (${db.name}) did not answer true for the bench account`);
          for (const c of LEVELS) {
            const kase = `${db.name} c=${c}`;
            for (let r = 0; r < ctx.rounds; r++) {
              ctx.progress.phase(`authd ${kase} round ${r + 1}/${ctx.rounds}`);
              const a = await rate(c, ctx.durationMs, viaAuthd);
              const v = await rate(c, ctx.durationMs, raw);
              ctx.results.add("authd", kase, `authd (${db.name})`, "check_password", "req/s", a.perS);
              ctx.results.add("authd", kase, "raw Argon2id verify", "verify", "1/s", v.perS);
              ctx.results.ratio("authd", kase, "authd req/s ÷ raw Argon2id verify/s", true, a.perS / v.perS);
              if (a.failed > 0)
                ctx.outcome.notes.push(`${kase} round ${r + 1}: ${a.failed} authd calls failed`);
            }
          }
        } finally {
          await pool.close();
        }
      } catch (err) {
        ctx.outcome.notes.push(
          `${db.name} not measured: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
        );
      } finally {
        await server?.child.stop();
        await db.cleanup?.().catch(() => undefined);
      }
    }
    if (!ctx.results.figures.some((f) => f.suite === "authd")) throw new Error(ctx.outcome.notes.join("; "));
  },
};
