// Suite `memory`: resident memory per idle authenticated session. Sessions are opened from the bench
// process in batches and left bound and silent; (VmRSS at N − VmRSS before) ÷ N, for ours and Prosody.
import { join } from "node:path";
import { rssBytes } from "../lib/proc-stats.ts";
import { login, type Session } from "../load/xmpp-login.ts";
import { startApi } from "../targets/api.ts";
import { startOurs } from "../targets/ours.ts";
import { startProsody } from "../targets/prosody.ts";
import { SkipError, type Target } from "../targets/target.ts";
import type { Suite, SuiteContext } from "./suite.ts";

const LEVELS = [1_000, 10_000];
const BATCH = 100;
const SETTLE_MS = 2000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function measure(ctx: SuiteContext, t: Target): Promise<void> {
  const sessions: Session[] = [];
  let failed = 0;
  try {
    // Warm up (first-login allocations, pools, JIT) before the baseline.
    const warm = t.credentials(0, 0);
    for (let i = 0; i < 20; i++) {
      const s = await login(
        { port: t.port, domain: t.domain, starttls: false, stepTimeoutMs: 10_000 },
        warm.user,
        warm.password,
        `w${i}`,
      );
      await s.close();
    }
    await sleep(SETTLE_MS);
    const base = rssBytes(t.pid);
    ctx.results.add("memory", "baseline", t.label, "RSS", "MiB", base / 2 ** 20);
    for (const level of LEVELS) {
      // Bounded: at most `level` attempts plus a batch of slack for failures.
      for (let attempts = 0; sessions.length < level && attempts < level + 10 * BATCH; attempts += BATCH) {
        const n = Math.min(BATCH, level - sessions.length);
        const batch = await Promise.allSettled(
          Array.from({ length: n }, (_, i) => {
            const k = sessions.length + i;
            const { user, password } = t.credentials(k, 0);
            return login(
              { port: t.port, domain: t.domain, starttls: false, stepTimeoutMs: 30_000 },
              user,
              password,
              `m${k}`,
            );
          }),
        );
        for (const b of batch) {
          if (b.status === "fulfilled") sessions.push(b.value);
          else failed++;
        }
        ctx.progress.status(`${t.label}: ${sessions.length} sessions open, ${failed} failed`);
      }
      ctx.progress.done();
      await sleep(SETTLE_MS);
      const rss = rssBytes(t.pid);
      ctx.results.add("memory", `${level} sessions`, t.label, "RSS", "MiB", rss / 2 ** 20);
      ctx.results.add(
        "memory",
        `${level} sessions`,
        t.label,
        "RSS per session",
        "KiB",
        (rss - base) / 1024 / sessions.length,
      );
      ctx.progress.phase(
        `memory ${t.label}: ${sessions.length} sessions, RSS ${(rss / 2 ** 20).toFixed(1)} MiB`,
      );
    }
    if (failed > 0) ctx.outcome.notes.push(`${t.label}: ${failed} session logins failed`);
  } finally {
    for (const s of sessions) s.destroy();
  }
}

export const memorySuite: Suite = {
  name: "memory",
  summary: "RSS per idle authenticated session at 1,000 and 10,000 sessions, ours vs Prosody",
  async run(ctx) {
    ctx.outcome.notes.push("one round: opening 10,000 sessions per server is the expensive part");
    const api = await startApi("api-memory");
    const perSession = new Map<string, number>();
    let measured = 0;
    try {
      const starters: [string, () => Promise<Target>][] = [
        [
          "ours",
          () =>
            startOurs({
              repoRoot: ctx.repoRoot,
              runDir: join(ctx.runDir, "ours"),
              hosts: [{ domain: "http.test", apiUrl: api.url }],
              starttls: false,
              nofile: 20_000,
            }),
        ],
        [
          "prosody",
          () =>
            startProsody({
              runDir: join(ctx.runDir, "prosody"),
              apiUrl: api.url,
              modDir: ctx.modDir,
              starttls: false,
            }),
        ],
      ];
      for (const [name, start] of starters) {
        let t: Target;
        try {
          t = await start();
        } catch (err) {
          ctx.outcome.notes.push(
            `${name} not measured: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
          );
          continue;
        }
        try {
          await measure(ctx, t);
          measured++;
          const f = ctx.results.figures.find(
            (x) =>
              x.suite === "memory" &&
              x.case === "10000 sessions" &&
              x.target === t.label &&
              x.metric === "RSS per session",
          );
          if (f !== undefined) perSession.set(name, f.summary.median);
        } finally {
          await t.stop();
        }
      }
    } finally {
      await api.stop();
    }
    const ours = perSession.get("ours");
    const peer = perSession.get("prosody");
    if (ours !== undefined && peer !== undefined)
      ctx.results.ratio("memory", "10000 sessions", "RSS/session ours ÷ Prosody", false, ours / peer);
    if (measured === 0) throw new SkipError(ctx.outcome.notes.slice(1).join("; "));
  },
};
