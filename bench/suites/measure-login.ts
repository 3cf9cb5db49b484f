// One measured login load against one target: throughput and latency from the load generator, CPU
// from /proc for the server's process tree, HTTP connections from the API's own counter.
import { runLoginLoad } from "../load/login-load.ts";
import { cpuSeconds } from "../lib/proc-stats.ts";
import type { Progress } from "../lib/progress.ts";
import type { Api } from "../targets/api.ts";
import type { Target } from "../targets/target.ts";

export interface LoginMeasure {
  readonly loginsPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuMsPerLogin: number;
  /** NaN when the target does not use the API (Prosody's own store). */
  readonly httpConnsPerLogin: number;
  readonly logins: number;
  readonly errors: number;
  readonly errorKinds: Readonly<Record<string, number>>;
}

export interface MeasureOptions {
  readonly concurrency: number;
  readonly durationMs: number;
  readonly starttls: boolean;
  /** Null when the target does not use this API. */
  readonly api: Api | null;
  readonly domain?: string;
  readonly stepTimeoutMs?: number;
}

export async function measureLogin(
  target: Target,
  opts: MeasureOptions,
  progress: Progress,
): Promise<LoginMeasure> {
  const api0 = opts.api === null ? undefined : await opts.api.stats();
  const cpu0 = cpuSeconds(target.pid);
  const res = await runLoginLoad(
    {
      port: target.port,
      domain: opts.domain ?? target.domain,
      starttls: opts.starttls,
      stepTimeoutMs: opts.stepTimeoutMs ?? 10_000,
      concurrency: opts.concurrency,
      durationMs: opts.durationMs,
      credentials: (w, n) => target.credentials(w, n),
    },
    (logins, errors) =>
      progress.status(`${target.label} c=${opts.concurrency}: ${logins} logins, ${errors} errors`),
  );
  const cpu1 = cpuSeconds(target.pid);
  const api1 = opts.api === null ? undefined : await opts.api.stats();
  const per = (x: number): number => (res.logins > 0 ? x / res.logins : Number.NaN);
  return {
    loginsPerS: res.loginsPerS,
    p50Ms: res.p50Ms,
    p99Ms: res.p99Ms,
    cpuMsPerLogin: per((cpu1 - cpu0) * 1000),
    httpConnsPerLogin:
      api0 !== undefined && api1 !== undefined ? per(api1.connections - api0.connections) : Number.NaN,
    logins: res.logins,
    errors: res.errors,
    errorKinds: res.errorKinds,
  };
}

export function errorSummary(m: LoginMeasure): string {
  return Object.entries(m.errorKinds)
    .map(([k, n]) => `${k}×${n}`)
    .join(", ");
}
