// The admin overview under `serve --workers`: the page is answered by one worker, so its host cards
// show the sums over every worker that answered (sessions, calls, failures; per minute, calls and
// failures summed and each latency percentile the worst worker's, an upper bound) and `workers` lists
// each worker's own figures. What a sibling sent is checked before it is used.
import type { HostHealth, MinuteSample } from "./api-health.ts";
import type { HostFigures, Overview, WorkerFigures } from "./overview.ts";

/** One worker's overview text (JSON of HostFigures[]), or undefined when it did not answer. */
export interface OverviewPart {
  readonly node: string;
  readonly body: string | undefined;
}

const num = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const numOrNull = (v: unknown): v is number | null => v === null || num(v);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function isMinute(m: unknown): m is MinuteSample {
  return (
    isObject(m) &&
    num(m.at) &&
    num(m.calls) &&
    num(m.failures) &&
    numOrNull(m.p50) &&
    numOrNull(m.p90) &&
    numOrNull(m.p99)
  );
}

function isHealth(h: unknown): h is HostHealth {
  return (
    isObject(h) &&
    num(h.calls) &&
    isObject(h.failures) &&
    Object.values(h.failures).every(num) &&
    num(h.rejectedPasswords) &&
    num(h.registrations) &&
    num(h.registrationConflicts) &&
    Array.isArray(h.minutes) &&
    h.minutes.length <= 1440 &&
    h.minutes.every(isMinute)
  );
}

/** The hosts a worker sent, or undefined when they are not what a worker sends. */
export function parseHostFigures(body: string): HostFigures[] | undefined {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!Array.isArray(v) || v.length > 10_000) return undefined;
  const ok = v.every(
    (h: unknown) => isObject(h) && typeof h.name === "string" && num(h.sessions) && isHealth(h.health),
  );
  return ok ? (v as HostFigures[]) : undefined;
}

const max = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

function addHealth(a: HostHealth, b: HostHealth): HostHealth {
  const failures: Record<string, number> = { ...a.failures };
  for (const [k, n] of Object.entries(b.failures)) failures[k] = (failures[k] ?? 0) + n;
  const byMinute = new Map(b.minutes.map((m) => [m.at, m]));
  return {
    calls: a.calls + b.calls,
    failures,
    rejectedPasswords: a.rejectedPasswords + b.rejectedPasswords,
    registrations: a.registrations + b.registrations,
    registrationConflicts: a.registrationConflicts + b.registrationConflicts,
    // The asker's minutes frame the hour; a sibling's minute a clock tick apart is left out.
    minutes: a.minutes.map((m) => {
      const o = byMinute.get(m.at);
      return o === undefined
        ? m
        : {
            at: m.at,
            calls: m.calls + o.calls,
            failures: m.failures + o.failures,
            p50: max(m.p50, o.p50),
            p90: max(m.p90, o.p90),
            p99: max(m.p99, o.p99),
          };
    }),
  };
}

/** `local` (the asking worker's overview) with sums over `parts` (every worker, the asker included). */
export function mergeOverviews(local: Overview, parts: readonly OverviewPart[]): Overview {
  const workers: WorkerFigures[] = parts.map((p) => {
    const hosts = p.body === undefined ? undefined : parseHostFigures(p.body);
    return { node: p.node, answered: hosts !== undefined, hosts: hosts ?? [] };
  });
  const hosts = local.hosts.map((h): HostFigures => {
    let sessions = 0;
    let health: HostHealth | undefined;
    for (const w of workers) {
      const mine = w.hosts.find((x) => x.name === h.name);
      if (mine === undefined) continue;
      sessions += mine.sessions;
      health = health === undefined ? mine.health : addHealth(health, mine.health);
    }
    return { name: h.name, sessions, health: health ?? h.health };
  });
  return { ...local, hosts, workers };
}
