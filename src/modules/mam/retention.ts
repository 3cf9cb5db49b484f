// archive_expires_after (Prosody's option): a periodic sweep deletes, per host, archived messages
// older than the host's period, in batches so no transaction runs long. Every cluster node sweeps;
// the deletes are idempotent, so two nodes sweeping at once only share the work. The timer is
// unref'd: it never keeps the process alive.
import type { ChatDeps } from "../chat-deps.ts";
import { expirySeconds } from "./archive-period.ts";

/** How often the sweep runs, and the rows one delete removes. */
export const SWEEP_INTERVAL_MS = 60 * 60 * 1000;
export const SWEEP_BATCH = 5000;

export interface Retention {
  /** Deletes what has expired at `now` (ms); returns how many messages went. */
  sweep(now?: number): Promise<number>;
  stop(): void;
}

export function startRetention({ ctx, storage }: ChatDeps, intervalMs = SWEEP_INTERVAL_MS): Retention {
  let running = false;
  const sweep = async (now = Date.now()) => {
    let removed = 0;
    for (const [name, host] of ctx.hosts) {
      const seconds = expirySeconds(host.options.archive_expires_after);
      if (seconds === undefined) continue;
      for (;;) {
        const n = await storage.store.expireArchive(name, now - seconds * 1000, SWEEP_BATCH);
        removed += n;
        if (n < SWEEP_BATCH) break;
      }
    }
    return removed;
  };
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweep()
      .then((n) => {
        if (n > 0) ctx.logger.info({ removed: n }, "expired archived messages deleted");
      })
      .catch((err: unknown) => {
        // Before start() and after stop() the store is closed: nothing to sweep then.
        if (!(err instanceof Error && err.message === "the chat store is not open"))
          ctx.logger.error({ err }, "archive expiry failed");
      })
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return { sweep, stop: () => clearInterval(timer) };
}
