// Suite `slow-api`: an API that answers after 200 ms. Logins/s should grow with concurrency
// (≈ c / 0.2 s) if no login waits behind another's HTTP call; and with two hosts, one whose API
// never answers, logins on the healthy host should go on as if the other were not there.
import { join } from "node:path";
import { startApi, type Api } from "../targets/api.ts";
import { oursMissing, startOurs } from "../targets/ours.ts";
import { startProsody } from "../targets/prosody.ts";
import { SkipError, type Target } from "../targets/target.ts";
import { runLoginLoad } from "../load/login-load.ts";
import { errorSummary, measureLogin } from "./measure-login.ts";
import type { Suite, SuiteContext } from "./suite.ts";

const DELAY_MS = 200;
const LEVELS = [1, 16, 64];
const HEALTHY_C = 16;
const HUNG_C = 64;
/** The hung host's http_auth_timeout: the server must give up on it, and meanwhile serve others. */
const HUNG_TIMEOUT_S = 2;

async function scaling(ctx: SuiteContext, targets: readonly Target[], api: Api): Promise<void> {
  for (const c of LEVELS) {
    const kase = `200 ms API c=${c}`;
    for (let r = 0; r < ctx.rounds; r++) {
      ctx.progress.phase(`slow-api ${kase} round ${r + 1}/${ctx.rounds}`);
      for (const t of targets) {
        const m = await measureLogin(
          t,
          { concurrency: c, durationMs: ctx.durationMs, starttls: false, api },
          ctx.progress,
        );
        ctx.progress.done();
        ctx.results.add("slow-api", kase, t.label, "logins/s", "1/s", m.loginsPerS);
        ctx.results.add("slow-api", kase, t.label, "p50 latency", "ms", m.p50Ms);
        // Ideal: every worker waits only for its own 200 ms answer.
        const ideal = c * (1000 / DELAY_MS);
        ctx.results.ratio(
          "slow-api",
          kase,
          `${t.label} logins/s ÷ ideal (${ideal}/s)`,
          true,
          m.loginsPerS / ideal,
        );
        if (m.errors > 0)
          ctx.outcome.notes.push(
            `${kase} ${t.label} round ${r + 1}: ${m.errors} failed (${errorSummary(m)})`,
          );
      }
    }
  }
}

async function hungHost(ctx: SuiteContext): Promise<void> {
  const fast = await startApi("api-healthy");
  const hung = await startApi("api-hung", { hangServer: "hung.test" });
  let ours: Target | undefined;
  try {
    ours = await startOurs({
      repoRoot: ctx.repoRoot,
      runDir: join(ctx.runDir, "ours-two-hosts"),
      hosts: [
        { domain: "http.test", apiUrl: fast.url },
        { domain: "hung.test", apiUrl: hung.url, timeoutS: HUNG_TIMEOUT_S },
      ],
      starttls: false,
    });
    const t = ours;
    const kase = `healthy host c=${HEALTHY_C}`;
    for (let r = 0; r < ctx.rounds; r++) {
      ctx.progress.phase(
        `slow-api ${kase}, alone then beside ${HUNG_C} logins to a hung API, round ${r + 1}/${ctx.rounds}`,
      );
      const alone = await measureLogin(
        t,
        { concurrency: HEALTHY_C, durationMs: ctx.durationMs, starttls: false, api: fast },
        ctx.progress,
      );
      // The hung host's workers run for the same span; their logins end in a failure after the timeout.
      const hungLoad = runLoginLoad({
        port: t.port,
        domain: "hung.test",
        starttls: false,
        stepTimeoutMs: (HUNG_TIMEOUT_S + 10) * 1000,
        concurrency: HUNG_C,
        durationMs: ctx.durationMs,
        credentials: (w) => ({ user: `h${w}`, password: "secret" }),
      });
      const beside = await measureLogin(
        t,
        {
          concurrency: HEALTHY_C,
          durationMs: ctx.durationMs,
          starttls: false,
          api: fast,
          domain: "http.test",
        },
        ctx.progress,
      );
      const hungResult = await hungLoad;
      ctx.progress.done();
      ctx.results.add("slow-api", kase, "ours, alone", "logins/s", "1/s", alone.loginsPerS);
      ctx.results.add("slow-api", kase, "ours, beside a hung host", "logins/s", "1/s", beside.loginsPerS);
      ctx.results.add("slow-api", kase, "ours, alone", "p99 latency", "ms", alone.p99Ms);
      ctx.results.add("slow-api", kase, "ours, beside a hung host", "p99 latency", "ms", beside.p99Ms);
      ctx.results.add(
        "slow-api",
        `hung host c=${HUNG_C}`,
        "ours",
        "logins that succeeded",
        "",
        hungResult.logins,
      );
      ctx.results.ratio(
        "slow-api",
        kase,
        "logins/s beside a hung host ÷ alone",
        true,
        beside.loginsPerS / alone.loginsPerS,
      );
      const kinds = Object.entries(hungResult.errorKinds)
        .map(([k, n]) => `${k}×${n}`)
        .join(", ");
      ctx.outcome.notes.push(
        `round ${r + 1}: hung host logins failed as ${kinds || "nothing (none failed?)"}`,
      );
    }
  } finally {
    await ours?.stop();
    await fast.stop();
    await hung.stop();
  }
}

export const slowApiSuite: Suite = {
  name: "slow-api",
  summary:
    "200 ms API: logins/s at c=1,16,64 (no head-of-line blocking); a hung host must not slow a healthy one",
  async run(ctx) {
    const missing = oursMissing(ctx.repoRoot);
    if (missing !== undefined) throw new SkipError(missing);
    const api = await startApi("api-slow", { delayMs: DELAY_MS });
    const targets: Target[] = [];
    try {
      targets.push(
        await startOurs({
          repoRoot: ctx.repoRoot,
          runDir: join(ctx.runDir, "ours"),
          hosts: [{ domain: "http.test", apiUrl: api.url }],
          starttls: false,
        }),
      );
      // Prosody + mod_auth_http as a reference, when it can run with HTTP auth at all.
      if (ctx.modDir !== undefined) {
        try {
          targets.push(
            await startProsody({
              runDir: join(ctx.runDir, "prosody"),
              apiUrl: api.url,
              modDir: ctx.modDir,
              starttls: false,
            }),
          );
        } catch (err) {
          ctx.outcome.notes.push(
            `Prosody reference not measured: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
          );
        }
      } else ctx.outcome.notes.push("no mod_auth_http: Prosody reference not measured");
      await scaling(ctx, targets, api);
    } finally {
      await Promise.allSettled(targets.map((t) => t.stop()));
      await api.stop();
    }
    await hungHost(ctx);
  },
};
