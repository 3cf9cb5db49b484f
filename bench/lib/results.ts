// Collects figures as a run goes: each (suite, case, target, metric) gets one value per round and is
// reported as its median with min–max; ratios are computed per round from figures of the same run.
import { summarize, type Summary } from "./stats.ts";

export interface Figure {
  readonly suite: string;
  readonly case: string;
  readonly target: string;
  readonly metric: string;
  readonly unit: string;
  readonly values: number[];
  summary: Summary;
}

export interface Ratio {
  readonly suite: string;
  readonly case: string;
  /** What is divided by what, e.g. "logins/s ours ÷ prosody+mod_auth_http". */
  readonly label: string;
  /** Above 1 is better for us when true (throughput), below 1 when false (CPU, memory). */
  readonly higherIsBetter: boolean;
  readonly values: number[];
  summary: Summary;
}

export interface SuiteOutcome {
  readonly name: string;
  status: "ok" | "skipped" | "failed";
  reason?: string;
  readonly notes: string[];
}

export class Results {
  readonly figures: Figure[] = [];
  readonly ratios: Ratio[] = [];
  readonly suites: SuiteOutcome[] = [];

  add(suite: string, kase: string, target: string, metric: string, unit: string, value: number): void {
    let f = this.figures.find(
      (x) => x.suite === suite && x.case === kase && x.target === target && x.metric === metric,
    );
    if (f === undefined) {
      f = { suite, case: kase, target, metric, unit, values: [], summary: summarize([]) };
      this.figures.push(f);
    }
    f.values.push(value);
    f.summary = summarize(f.values);
  }

  ratio(suite: string, kase: string, label: string, higherIsBetter: boolean, value: number): void {
    let r = this.ratios.find((x) => x.suite === suite && x.case === kase && x.label === label);
    if (r === undefined) {
      r = { suite, case: kase, label, higherIsBetter, values: [], summary: summarize([]) };
      this.ratios.push(r);
    }
    r.values.push(value);
    r.summary = summarize(r.values);
  }
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return "—";
  const a = Math.abs(n);
  if (a >= 1000) return n.toFixed(0);
  if (a >= 100) return n.toFixed(1);
  if (a >= 1) return n.toFixed(2);
  return n.toPrecision(2);
}

function range(s: Summary): string {
  return s.rounds > 1 ? `${fmt(s.min)}–${fmt(s.max)}` : "";
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export function renderText(results: Results): string {
  const out: string[] = [];
  for (const s of results.suites) {
    const head = `== ${s.name}: ${s.status}${s.reason !== undefined ? ` (${s.reason})` : ""}`;
    out.push(head);
    for (const n of s.notes) out.push(`   note: ${n}`);
    const figs = results.figures.filter((f) => f.suite === s.name);
    if (figs.length > 0) {
      out.push(
        table(
          ["case", "target", "metric", "median", "min–max", "rounds"],
          figs.map((f) => [
            f.case,
            f.target,
            `${f.metric} (${f.unit})`,
            fmt(f.summary.median),
            range(f.summary),
            String(f.summary.rounds),
          ]),
        ),
      );
    }
    const ratios = results.ratios.filter((r) => r.suite === s.name);
    if (ratios.length > 0) {
      out.push("");
      out.push(
        table(
          ["case", "ratio", "median", "min–max", "better"],
          ratios.map((r) => [
            r.case,
            r.label,
            fmt(r.summary.median),
            range(r.summary),
            r.higherIsBetter ? "> 1" : "< 1",
          ]),
        ),
      );
    }
    out.push("");
  }
  return out.join("\n");
}
