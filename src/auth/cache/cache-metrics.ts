// Counters for the auth cache, per method: hits, misses, evictions (by why) and stale answers given
// while the API failed. Labels are the method and a fixed reason only, never a user or a password.
// Exposition: Prometheus text format 0.0.4, next to the HTTP auth metrics in /metrics.

export type CachedMethod = "check_password" | "user_exists";
/** change: a password change, registration or removal through us; capacity: the entry bound. */
export type EvictionReason = "change" | "capacity";

export interface CacheMetricsSnapshot {
  readonly hits: Readonly<Record<CachedMethod, number>>;
  readonly misses: Readonly<Record<CachedMethod, number>>;
  readonly evictions: Readonly<Record<CachedMethod, Readonly<Record<EvictionReason, number>>>>;
  /** Logins accepted from an expired entry because the API was failing (stale_if_error). */
  readonly stale: number;
}

export interface CacheMetrics {
  hit(method: CachedMethod): void;
  miss(method: CachedMethod): void;
  evicted(method: CachedMethod, reason: EvictionReason, count?: number): void;
  staleAnswer(): void;
  snapshot(): CacheMetricsSnapshot;
  toPrometheus(): string;
}

const METHODS: readonly CachedMethod[] = ["check_password", "user_exists"];
const REASONS: readonly EvictionReason[] = ["change", "capacity"];
const PREFIX = "xha_auth_cache";

/** One instance may be shared by the caches of several virtual hosts. */
export function createCacheMetrics(): CacheMetrics {
  const zero = () => ({ check_password: 0, user_exists: 0 });
  const hits = zero();
  const misses = zero();
  const evictions = {
    check_password: { change: 0, capacity: 0 },
    user_exists: { change: 0, capacity: 0 },
  };
  let stale = 0;
  const snapshot = (): CacheMetricsSnapshot => ({
    hits: { ...hits },
    misses: { ...misses },
    evictions: { check_password: { ...evictions.check_password }, user_exists: { ...evictions.user_exists } },
    stale,
  });
  return {
    hit: (m) => void (hits[m] += 1),
    miss: (m) => void (misses[m] += 1),
    evicted: (m, reason, count = 1) => void (evictions[m][reason] += count),
    staleAnswer: () => void (stale += 1),
    snapshot,
    toPrometheus: () => renderCachePrometheus(snapshot()),
  };
}

export function renderCachePrometheus(s: CacheMetricsSnapshot): string {
  const lines: string[] = [];
  const counter = (name: string, help: string, rows: [string, number][]) => {
    lines.push(`# HELP ${PREFIX}_${name} ${help}`, `# TYPE ${PREFIX}_${name} counter`);
    for (const [labels, value] of rows) lines.push(`${PREFIX}_${name}{${labels}} ${value}`);
  };
  counter(
    "hits_total",
    "Auth answers served from the cache, by method.",
    METHODS.map((m) => [`method="${m}"`, s.hits[m]]),
  );
  counter(
    "misses_total",
    "Auth questions the cache could not answer (the API was asked), by method.",
    METHODS.map((m) => [`method="${m}"`, s.misses[m]]),
  );
  counter(
    "evictions_total",
    "Cache entries dropped before their TTL, by method and reason (change, capacity).",
    METHODS.flatMap((m) =>
      REASONS.map((r): [string, number] => [`method="${m}",reason="${r}"`, s.evictions[m][r]]),
    ),
  );
  counter("stale_total", "Logins accepted from an expired entry while the API failed (stale_if_error).", [
    [`method="check_password"`, s.stale],
  ]);
  return lines.join("\n") + "\n";
}
