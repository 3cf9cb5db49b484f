// The login load generator: N concurrent workers, each logging in and closing in a loop until the
// duration ends (or a count cap, so a very fast target cannot loop unbounded). Counts logins/s and
// keeps per-login latencies for p50/p99.
import { Reservoir, percentile } from "../lib/stats.ts";
import { StepError } from "./xml-reader.ts";
import { login, type LoginTarget } from "./xmpp-login.ts";

export interface LoadOptions extends LoginTarget {
  readonly concurrency: number;
  readonly durationMs: number;
  /** Credentials for the n-th login of worker w. */
  readonly credentials: (worker: number, n: number) => { user: string; password: string };
  /** Upper bound on logins per worker, whatever the duration. */
  readonly maxLoginsPerWorker?: number;
}

export interface LoadResult {
  readonly logins: number;
  readonly errors: number;
  readonly errorKinds: Readonly<Record<string, number>>;
  readonly elapsedS: number;
  readonly loginsPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export async function runLoginLoad(
  opts: LoadOptions,
  onTick?: (logins: number, errors: number) => void,
): Promise<LoadResult> {
  const latencies = new Reservoir();
  const errorKinds: Record<string, number> = {};
  let logins = 0;
  let errors = 0;
  const start = performance.now();
  const deadline = start + opts.durationMs;
  const cap = opts.maxLoginsPerWorker ?? 1_000_000;
  const tick = setInterval(() => onTick?.(logins, errors), 250);

  const worker = async (w: number): Promise<void> => {
    for (let n = 0; n < cap && performance.now() < deadline; n++) {
      const { user, password } = opts.credentials(w, n);
      try {
        const session = await login(opts, user, password, `w${w}n${n}`);
        latencies.add(session.latencyMs);
        logins++;
        await session.close();
      } catch (err) {
        errors++;
        const kind = err instanceof StepError ? err.kind : "other";
        errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
        // A refusing target would otherwise spin: back off a little after an error.
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: opts.concurrency }, (_, w) => worker(w)));
  } finally {
    clearInterval(tick);
  }
  const elapsedS = (performance.now() - start) / 1000;
  const sorted = latencies.sorted();
  return {
    logins,
    errors,
    errorKinds,
    elapsedS,
    loginsPerS: logins / elapsedS,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
  };
}
