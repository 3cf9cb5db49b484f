// Suite `login`: logins/s, p50/p99 latency, CPU and HTTP connections per login, ours next to
// Prosody + mod_auth_http against the same fast API, in plain TCP and STARTTLS modes.
import { join } from "node:path";
import { startApi, type Api } from "../targets/api.ts";
import { startOurs } from "../targets/ours.ts";
import { startProsody } from "../targets/prosody.ts";
import { SkipError, type Target } from "../targets/target.ts";
import { errorSummary, measureLogin } from "./measure-login.ts";
import type { Suite, SuiteContext } from "./suite.ts";

const LEVELS = [1, 16, 64];
const MODES = [
  { name: "plain", starttls: false },
  { name: "starttls", starttls: true },
] as const;

async function tryStart(
  ctx: SuiteContext,
  what: string,
  start: () => Promise<Target>,
): Promise<Target | undefined> {
  try {
    return await start();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    ctx.outcome.notes.push(
      `${what} not measured: ${err instanceof SkipError ? msg : `failed to start: ${msg.split("\n")[0]}`}`,
    );
    if (!(err instanceof SkipError)) ctx.progress.phase(`${what} failed to start:\n${msg}`);
    return undefined;
  }
}

export const loginSuite: Suite = {
  name: "login",
  summary: "connect → stream → (STARTTLS) → SASL PLAIN → bind → close, N workers, ours vs Prosody",
  async run(ctx) {
    if (ctx.modDir === undefined) {
      ctx.outcome.notes.push(
        `mod_auth_http not found under ${ctx.modSearchDir}: Prosody is measured with its own store (internal.test), not HTTP auth`,
      );
    }
    let measured = 0;
    for (const mode of MODES) {
      ctx.progress.phase(`login/${mode.name}: starting the API and the servers`);
      const api: Api = await startApi(`api-${mode.name}`);
      const targets: Target[] = [];
      try {
        const ours = await tryStart(ctx, `ours (${mode.name})`, () =>
          startOurs({
            repoRoot: ctx.repoRoot,
            runDir: join(ctx.runDir, `ours-${mode.name}`),
            hosts: [{ domain: "http.test", apiUrl: api.url }],
            starttls: mode.starttls,
          }),
        );
        if (ours !== undefined) targets.push(ours);
        const prosody = await tryStart(ctx, `Prosody (${mode.name})`, () =>
          startProsody({
            runDir: join(ctx.runDir, `prosody-${mode.name}`),
            apiUrl: api.url,
            modDir: ctx.modDir,
            starttls: mode.starttls,
          }),
        );
        if (prosody !== undefined) targets.push(prosody);
        if (targets.length === 0) continue;

        // A short warm-up per target (JIT, Lua caches, pools), not recorded.
        for (const t of targets) {
          const usesApi = ctx.modDir !== undefined || t.label.startsWith("ours");
          await measureLogin(
            t,
            { concurrency: 4, durationMs: 1000, starttls: mode.starttls, api: usesApi ? api : null },
            ctx.progress,
          );
        }
        for (const c of LEVELS) {
          const kase = `${mode.name} c=${c}`;
          for (let r = 0; r < ctx.rounds; r++) {
            ctx.progress.phase(`login ${kase} round ${r + 1}/${ctx.rounds}`);
            const rates = new Map<string, { rate: number; cpu: number }>();
            for (const t of targets) {
              const usesApi = ctx.modDir !== undefined || t.label.startsWith("ours");
              const m = await measureLogin(
                t,
                {
                  concurrency: c,
                  durationMs: ctx.durationMs,
                  starttls: mode.starttls,
                  api: usesApi ? api : null,
                },
                ctx.progress,
              );
              ctx.progress.done();
              const add = (metric: string, unit: string, v: number): void =>
                ctx.results.add("login", kase, t.label, metric, unit, v);
              add("logins/s", "1/s", m.loginsPerS);
              add("p50 latency", "ms", m.p50Ms);
              add("p99 latency", "ms", m.p99Ms);
              add("CPU per login", "ms", m.cpuMsPerLogin);
              if (usesApi) add("HTTP conns per login", "", m.httpConnsPerLogin);
              if (m.errors > 0)
                ctx.outcome.notes.push(
                  `${kase} ${t.label} round ${r + 1}: ${m.errors} failed logins (${errorSummary(m)})`,
                );
              rates.set(t.label.startsWith("ours") ? "ours" : "peer", {
                rate: m.loginsPerS,
                cpu: m.cpuMsPerLogin,
              });
              measured++;
            }
            const ours = rates.get("ours");
            const peer = rates.get("peer");
            const peerLabel = targets.find((t) => !t.label.startsWith("ours"))?.label ?? "peer";
            if (ours !== undefined && peer !== undefined) {
              ctx.results.ratio("login", kase, `logins/s ours ÷ ${peerLabel}`, true, ours.rate / peer.rate);
              ctx.results.ratio("login", kase, `CPU/login ours ÷ ${peerLabel}`, false, ours.cpu / peer.cpu);
            }
          }
        }
      } finally {
        await Promise.allSettled(targets.map((t) => t.stop()));
        await api.stop();
      }
    }
    if (measured === 0) throw new SkipError(ctx.outcome.notes.join("; ") || "no target could start");
  },
};
