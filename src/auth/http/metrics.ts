// Metrics for HTTP auth calls: counters and latency histograms per method and outcome, plus the
// connections the pool opened, so the benchmark can report HTTP connections per login.
// Exposition: Prometheus text format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/).
// Labels are method, outcome and reason only: nothing that could carry a user name or a secret.

/** Fixed latency buckets in seconds: sub-millisecond loopback up to the longest sensible timeout. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

export interface CallLabels {
  readonly method: string;
  /** "ok", "false", "conflict", "unsupported" or "backend-error". */
  readonly outcome: string;
  /** The backend-error reason; empty otherwise. */
  readonly reason: string;
}

export interface CallSeries extends CallLabels {
  readonly count: number;
  readonly sumSeconds: number;
  /** Cumulative counts, one per entry of LATENCY_BUCKETS_SECONDS (the +Inf bucket is `count`). */
  readonly buckets: readonly number[];
}

export interface HttpMetricsSnapshot {
  readonly calls: readonly CallSeries[];
  /** TCP/TLS connections the HTTP pool opened since start. */
  readonly connectionsOpened: number;
  /** Connections the pool closed since start. */
  readonly connectionsClosed: number;
  /** Connections open now. */
  readonly connectionsOpen: number;
}

export interface HttpMetrics {
  observeCall(labels: CallLabels, seconds: number): void;
  connectionOpened(): void;
  connectionClosed(): void;
  snapshot(): HttpMetricsSnapshot;
  toPrometheus(): string;
}

interface MutableSeries {
  readonly labels: CallLabels;
  count: number;
  sumSeconds: number;
  readonly buckets: number[];
}

const PREFIX = "xha_http_auth";

/** One instance may be shared by the providers of several virtual hosts. */
export function createHttpMetrics(): HttpMetrics {
  const series = new Map<string, MutableSeries>();
  let opened = 0;
  let closed = 0;

  function observeCall(labels: CallLabels, seconds: number): void {
    const key = `${labels.method}\u0000${labels.outcome}\u0000${labels.reason}`;
    let s = series.get(key);
    if (s === undefined) {
      s = {
        labels: { method: labels.method, outcome: labels.outcome, reason: labels.reason },
        count: 0,
        sumSeconds: 0,
        buckets: LATENCY_BUCKETS_SECONDS.map(() => 0),
      };
      series.set(key, s);
    }
    s.count += 1;
    s.sumSeconds += seconds;
    LATENCY_BUCKETS_SECONDS.forEach((le, i) => {
      if (seconds <= le) s.buckets[i] = (s.buckets[i] ?? 0) + 1;
    });
  }

  function snapshot(): HttpMetricsSnapshot {
    const calls = [...series.values()]
      .map((s) => ({ ...s.labels, count: s.count, sumSeconds: s.sumSeconds, buckets: [...s.buckets] }))
      .sort(
        (a, b) => compare(a.method, b.method) || compare(a.outcome, b.outcome) || compare(a.reason, b.reason),
      );
    return { calls, connectionsOpened: opened, connectionsClosed: closed, connectionsOpen: opened - closed };
  }

  return {
    observeCall,
    connectionOpened: () => void (opened += 1),
    connectionClosed: () => void (closed += 1),
    snapshot,
    toPrometheus: () => renderPrometheus(snapshot()),
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function renderPrometheus(snap: HttpMetricsSnapshot): string {
  const lines: string[] = [];
  lines.push(`# HELP ${PREFIX}_requests_total HTTP auth calls by method and outcome.`);
  lines.push(`# TYPE ${PREFIX}_requests_total counter`);
  for (const s of snap.calls) lines.push(`${PREFIX}_requests_total${labelSet(s)} ${s.count}`);

  const h = `${PREFIX}_request_duration_seconds`;
  lines.push(`# HELP ${h} HTTP auth call latency, request start to result.`);
  lines.push(`# TYPE ${h} histogram`);
  for (const s of snap.calls) {
    LATENCY_BUCKETS_SECONDS.forEach((le, i) => {
      lines.push(`${h}_bucket${labelSet(s, String(le))} ${s.buckets[i] ?? 0}`);
    });
    lines.push(`${h}_bucket${labelSet(s, "+Inf")} ${s.count}`);
    lines.push(`${h}_sum${labelSet(s)} ${s.sumSeconds}`);
    lines.push(`${h}_count${labelSet(s)} ${s.count}`);
  }

  lines.push(`# HELP ${PREFIX}_connections_opened_total HTTP connections opened to the auth API.`);
  lines.push(`# TYPE ${PREFIX}_connections_opened_total counter`);
  lines.push(`${PREFIX}_connections_opened_total ${snap.connectionsOpened}`);
  lines.push(`# HELP ${PREFIX}_connections_open HTTP connections to the auth API open now.`);
  lines.push(`# TYPE ${PREFIX}_connections_open gauge`);
  lines.push(`${PREFIX}_connections_open ${snap.connectionsOpen}`);
  return lines.join("\n") + "\n";
}

function labelSet(s: CallLabels, le?: string): string {
  const pairs = [`method="${escapeLabel(s.method)}"`, `outcome="${escapeLabel(s.outcome)}"`];
  // An empty label value is the same as no label to Prometheus; leave it out for readability.
  if (s.reason !== "") pairs.push(`reason="${escapeLabel(s.reason)}"`);
  if (le !== undefined) pairs.push(`le="${le}"`);
  return `{${pairs.join(",")}}`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}
