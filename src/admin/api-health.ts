// Each host's auth API health for the admin page: totals since start and a ring of per-minute samples
// over the last hour (calls, failures by reason, latency percentiles from fixed buckets), fed by the
// same observations as the Prometheus metrics. Bounded memory: 60 slots per host, a few numbers each.
import { LATENCY_BUCKETS_SECONDS, type CallLabels, type HttpMetrics } from "../auth/http/metrics.ts";

const MINUTES = 60;

interface Slot {
  minute: number;
  calls: number;
  failures: number;
  /** Per latency bucket (not cumulative); the last entry counts calls beyond the largest bucket. */
  readonly buckets: number[];
}

export interface MinuteSample {
  /** Start of the minute, ms since the epoch. */
  readonly at: number;
  readonly calls: number;
  readonly failures: number;
  /** Latency percentiles in ms (upper bounds of the bucket they fall in); null without calls. */
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
}

export interface HostHealth {
  readonly calls: number;
  /** API failures (no definite answer) by reason: "timeout", "refused", "status", … */
  readonly failures: Readonly<Record<string, number>>;
  /** check_password answered false (a wrong password or a locked-out account). */
  readonly rejectedPasswords: number;
  /** Accounts created through the API (XEP-0077), and registrations refused because the name was taken. */
  readonly registrations: number;
  readonly registrationConflicts: number;
  /** The last hour, oldest first, one entry per minute. */
  readonly minutes: readonly MinuteSample[];
}

export interface ApiHealth {
  observe(host: string, labels: CallLabels, seconds: number): void;
  snapshot(host: string): HostHealth;
  /** Metrics for one host's provider: recorded here and passed on to the shared ones. */
  metricsFor(host: string, shared: HttpMetrics): HttpMetrics;
}

interface Totals {
  calls: number;
  failures: Map<string, number>;
  rejectedPasswords: number;
  registrations: number;
  registrationConflicts: number;
  readonly ring: Slot[];
}

const emptySlot = (): Slot => ({
  minute: -1,
  calls: 0,
  failures: 0,
  buckets: new Array<number>(LATENCY_BUCKETS_SECONDS.length + 1).fill(0),
});

function percentile(buckets: readonly number[], total: number, q: number): number | null {
  if (total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i] ?? 0;
    if (seen >= rank) {
      const le = LATENCY_BUCKETS_SECONDS[Math.min(i, LATENCY_BUCKETS_SECONDS.length - 1)] ?? 0;
      return le * 1000;
    }
  }
  return (LATENCY_BUCKETS_SECONDS.at(-1) ?? 0) * 1000;
}

export function createApiHealth(now: () => number = Date.now): ApiHealth {
  const hosts = new Map<string, Totals>();
  const totals = (host: string): Totals => {
    let t = hosts.get(host);
    if (t === undefined) {
      t = {
        calls: 0,
        failures: new Map(),
        rejectedPasswords: 0,
        registrations: 0,
        registrationConflicts: 0,
        ring: Array.from({ length: MINUTES }, emptySlot),
      };
      hosts.set(host, t);
    }
    return t;
  };

  const health: ApiHealth = {
    observe(host, labels, seconds) {
      const t = totals(host);
      const minute = Math.floor(now() / 60_000);
      const slot = t.ring[minute % MINUTES]!;
      if (slot.minute !== minute) Object.assign(slot, emptySlot(), { minute });
      t.calls += 1;
      slot.calls += 1;
      if (labels.outcome === "backend-error") {
        t.failures.set(labels.reason, (t.failures.get(labels.reason) ?? 0) + 1);
        slot.failures += 1;
      }
      if (labels.method === "check_password" && labels.outcome === "false") t.rejectedPasswords += 1;
      if (labels.method === "register" && labels.outcome === "ok") t.registrations += 1;
      if (labels.method === "register" && labels.outcome === "conflict") t.registrationConflicts += 1;
      const i = LATENCY_BUCKETS_SECONDS.findIndex((le) => seconds <= le);
      const b = i === -1 ? LATENCY_BUCKETS_SECONDS.length : i;
      slot.buckets[b] = (slot.buckets[b] ?? 0) + 1;
    },
    snapshot(host) {
      const t = totals(host);
      const current = Math.floor(now() / 60_000);
      const minutes: MinuteSample[] = [];
      for (let m = current - MINUTES + 1; m <= current; m++) {
        const slot = t.ring[((m % MINUTES) + MINUTES) % MINUTES]!;
        const live = slot.minute === m;
        const calls = live ? slot.calls : 0;
        const buckets = live ? slot.buckets : [];
        minutes.push({
          at: m * 60_000,
          calls,
          failures: live ? slot.failures : 0,
          p50: percentile(buckets, calls, 0.5),
          p90: percentile(buckets, calls, 0.9),
          p99: percentile(buckets, calls, 0.99),
        });
      }
      return {
        calls: t.calls,
        failures: Object.fromEntries(t.failures),
        rejectedPasswords: t.rejectedPasswords,
        registrations: t.registrations,
        registrationConflicts: t.registrationConflicts,
        minutes,
      };
    },
    metricsFor(host, shared) {
      return {
        observeCall(labels, seconds) {
          shared.observeCall(labels, seconds);
          health.observe(host, labels, seconds);
        },
        connectionOpened: () => shared.connectionOpened(),
        connectionClosed: () => shared.connectionClosed(),
        snapshot: () => shared.snapshot(),
        toPrometheus: () => shared.toPrometheus(),
      };
    },
  };
  return health;
}
