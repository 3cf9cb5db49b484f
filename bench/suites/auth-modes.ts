// Suite `auth-modes`: what each way of logging in costs the API, side by side on one server and one
// authd (SQLite, OWASP Argon2id): PLAIN (check_password: an Argon2id verify per login), SCRAM-SHA-256
// with credentials from get_password (a read, no hash), and FAST reconnects over SASL2 + Bind2
// (user_exists only, or nothing with sasl2_fast_user_exists = false). Per mode: logins/s, API calls
// per login (counted by a pass-through in front of authd) and authd's CPU per login.
import { startOurs } from "../targets/ours.ts";
import { cpuSeconds } from "../lib/proc-stats.ts";
import { startCountingProxy } from "../lib/counting-proxy.ts";
import { loginWith, type AuthMode, type ModeClient } from "../load/auth-mode-login.ts";
import { StepError } from "../load/xml-reader.ts";
import { DOMAIN, PASSWORD, USER, startAuthd } from "./authd.ts";
import type { Suite, SuiteContext } from "./suite.ts";

const WORKERS = 8;
const MODES: ReadonlyArray<{ readonly name: string; readonly mode: AuthMode; readonly userExists: boolean }> =
  [
    { name: "PLAIN", mode: "plain", userExists: true },
    { name: "SCRAM-SHA-256", mode: "scram", userExists: true },
    { name: "FAST", mode: "fast", userExists: true },
    { name: "FAST, no user_exists", mode: "fast", userExists: false },
  ];

async function load(
  ctx: SuiteContext,
  mode: AuthMode,
  clients: readonly ModeClient[],
): Promise<{ logins: number; errors: Record<string, number>; perS: number }> {
  let logins = 0;
  const errors: Record<string, number> = {};
  const t0 = performance.now();
  const deadline = t0 + ctx.durationMs;
  await Promise.all(
    clients.map(async (c) => {
      for (let n = 0; n < 1_000_000 && performance.now() < deadline; n++) {
        try {
          await loginWith(mode, c);
          logins++;
        } catch (err) {
          const kind = err instanceof StepError ? err.kind : "other";
          errors[kind] = (errors[kind] ?? 0) + 1;
          await new Promise((r) => setTimeout(r, 10));
        }
      }
    }),
  );
  return { logins, errors, perS: logins / ((performance.now() - t0) / 1000) };
}

export const authModesSuite: Suite = {
  name: "auth-modes",
  summary: "PLAIN vs SCRAM (get_password) vs FAST reconnects: logins/s, API calls and authd CPU per login",
  async run(ctx) {
    const authd = await startAuthd(ctx, "auth-modes", `sqlite:${ctx.runDir}/auth-modes.sqlite`);
    const proxy = await startCountingProxy(`http://127.0.0.1:${authd.port}`);
    try {
      for (const m of MODES) {
        const server = await startOurs({
          repoRoot: ctx.repoRoot,
          runDir: ctx.runDir,
          starttls: true,
          hosts: [
            {
              domain: DOMAIN,
              apiUrl: proxy.url,
              extra: {
                http_auth_scram: true,
                c2s_sasl2: true,
                sasl2_fast: true,
                sasl2_fast_user_exists: m.userExists,
              },
            },
          ],
          label: m.name,
        });
        try {
          const clients: ModeClient[] = Array.from({ length: WORKERS }, (_, w) => ({
            port: server.port,
            domain: DOMAIN,
            stepTimeoutMs: 10_000,
            user: USER,
            password: PASSWORD,
            agent: `bench-agent-${w}`,
            salted: new Map(),
          }));
          // Warm-up: one login each, which also gets FAST clients their token and SCRAM ones their key.
          for (const c of clients) await loginWith(m.mode, c);
          for (let r = 0; r < ctx.rounds; r++) {
            ctx.progress.phase(`auth-modes ${m.name} round ${r + 1}/${ctx.rounds}`);
            const calls0 = proxy.counts();
            const cpu0 = cpuSeconds(authd.child.pid);
            const res = await load(ctx, m.mode, clients);
            const cpu1 = cpuSeconds(authd.child.pid);
            const calls1 = proxy.counts();
            const per = (x: number): number => (res.logins > 0 ? x / res.logins : Number.NaN);
            const delta = (k: string): number => (calls1[k] ?? 0) - (calls0[k] ?? 0);
            const total = Object.keys(calls1).reduce((s, k) => s + delta(k), 0);
            const kase = `c=${WORKERS}`;
            ctx.results.add("auth-modes", kase, m.name, "logins/s", "1/s", res.perS);
            ctx.results.add("auth-modes", kase, m.name, "API calls/login", "calls", per(total));
            ctx.results.add(
              "auth-modes",
              kase,
              m.name,
              "check_password/login",
              "calls",
              per(delta("check_password")),
            );
            ctx.results.add("auth-modes", kase, m.name, "authd CPU/login", "ms", per((cpu1 - cpu0) * 1000));
            if (Object.keys(res.errors).length > 0)
              ctx.outcome.notes.push(
                `${m.name} round ${r + 1}: ${Object.entries(res.errors)
                  .map(([k, n]) => `${k}×${n}`)
                  .join(", ")}`,
              );
          }
        } finally {
          await server.stop();
        }
      }
      const median = (target: string, metric: string): number =>
        ctx.results.figures.find(
          (f) => f.suite === "auth-modes" && f.target === target && f.metric === metric,
        )?.summary.median ?? Number.NaN;
      ctx.results.ratio(
        "auth-modes",
        `c=${WORKERS}`,
        "FAST ÷ PLAIN logins/s",
        true,
        median("FAST", "logins/s") / median("PLAIN", "logins/s"),
      );
      ctx.results.ratio(
        "auth-modes",
        `c=${WORKERS}`,
        "SCRAM ÷ PLAIN logins/s",
        true,
        median("SCRAM-SHA-256", "logins/s") / median("PLAIN", "logins/s"),
      );
    } finally {
      await proxy.stop();
      await authd.child.stop();
    }
  },
};
