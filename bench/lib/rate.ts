// A closed-loop rate: `concurrency` loops each await `call` back to back for `durationMs` (bounded
// in count too); the rate counts successful calls. A call that throws counts as failed.
const MAX_CALLS_PER_WORKER = 5_000_000;

export async function rate(
  concurrency: number,
  durationMs: number,
  call: () => Promise<boolean>,
): Promise<{ perS: number; failed: number }> {
  let ok = 0;
  let failed = 0;
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = 0; i < MAX_CALLS_PER_WORKER && performance.now() < deadline; i++) {
        if (await call().catch(() => false)) ok++;
        else failed++;
      }
    }),
  );
  return { perS: ok / ((performance.now() - t0) / 1000), failed };
}
