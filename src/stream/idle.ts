// RFC 6120 §4.6 (handling of idle peers): keepalives on a stream we have not written to for a while
// (§4.6.1), and the end of an authenticated stream the peer has not written to for too long (§4.6.2's
// connection-timeout), so a dead peer's session ends and its presence goes unavailable.
import { performance } from "node:perf_hooks";
import type { StreamTransport } from "./transport.ts";

export interface IdleOptions {
  /** Milliseconds without output before a keepalive; 0: none. */
  readonly keepaliveMs: number;
  /** Milliseconds without input before onReadTimeout; 0: never. */
  readonly readTimeoutMs: number;
}

export interface IdleTarget {
  readonly transport: Pick<StreamTransport, "lastInputAt" | "lastOutputAt" | "keepalive">;
  /** Keepalives only between our header and our close (never during a TLS handshake). */
  keepaliveAllowed(): boolean;
  /** The read timeout applies to authenticated streams; c2s_timeout covers the others. */
  readTimeoutApplies(): boolean;
  onReadTimeout(): void;
}

/**
 * One timer per stream, rescheduled from the transport's timestamps when it fires, so traffic costs
 * a clock read and no timer churn. Timers are unref'd: an idle stream never keeps the process alive.
 * A class with a module-level timer callback: every idle stream has one, so it carries no closures.
 */
export class IdleWatch {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly target: IdleTarget,
    private readonly opts: IdleOptions,
  ) {
    const { keepaliveMs, readTimeoutMs } = opts;
    this.schedule(
      Math.min(
        keepaliveMs > 0 ? keepaliveMs : Number.POSITIVE_INFINITY,
        readTimeoutMs > 0 ? readTimeoutMs : Number.POSITIVE_INFINITY,
      ),
    );
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delay: number): void {
    if (this.stopped || !Number.isFinite(delay)) return;
    this.timer = setTimeout(tick, Math.max(1, Math.ceil(delay)), this);
    this.timer.unref();
  }

  /** @internal The timer fired. */
  tick(): void {
    const { target, opts } = this;
    const { keepaliveMs, readTimeoutMs } = opts;
    const transport = target.transport;
    this.timer = undefined;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    if (readTimeoutMs > 0) {
      if (!target.readTimeoutApplies()) {
        next = now + readTimeoutMs;
      } else if (now - transport.lastInputAt >= readTimeoutMs) {
        this.stopped = true;
        target.onReadTimeout();
        return;
      } else {
        next = transport.lastInputAt + readTimeoutMs;
      }
    }
    if (keepaliveMs > 0) {
      if (now - transport.lastOutputAt >= keepaliveMs && target.keepaliveAllowed()) {
        transport.keepalive();
      }
      // After a keepalive the due time moved a period on; when none was allowed, look a period later.
      const due = transport.lastOutputAt + keepaliveMs;
      next = Math.min(next, due > now ? due : now + keepaliveMs);
    }
    this.schedule(next - now);
  }
}

function tick(watch: IdleWatch): void {
  watch.tick();
}

export function watchIdle(target: IdleTarget, opts: IdleOptions): IdleWatch {
  return new IdleWatch(target, opts);
}
