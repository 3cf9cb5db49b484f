// Rendering a run: a table for people (one row per probe, then what each failure means for users,
// then the summary line) or one JSON document for scripts. Both take the already-redacted report.
import { MASK } from "./redact.ts";
import type { CheckOptions, CheckReport, ProbeStatus } from "./types.ts";

const LABEL: Readonly<Record<ProbeStatus, string>> = {
  pass: "PASS",
  fail: "FAIL",
  warn: "WARN",
  skip: "SKIP",
};

/** Exactly `N passed, N failed, N warnings`, then `, N skipped` when any were. */
export function summaryLine(report: CheckReport): string {
  const { passed, failed, warnings, skipped } = report.counts;
  const base = `${passed} passed, ${failed} failed, ${warnings} warnings`;
  return skipped > 0 ? `${base}, ${skipped} skipped` : base;
}

function fit(text: string, width: number): string {
  const one = text.replace(/\s+/g, " ");
  return one.length > width ? one.slice(0, width - 1) + "…" : one;
}

export function renderTable(report: CheckReport): string {
  const header = ["PROBE", "EXPECTED", "GOT", "RESULT", "REASON"] as const;
  const rows = report.results.map((r) => [
    r.id,
    fit(r.expected, 40),
    fit(r.got, 36),
    LABEL[r.status],
    fit(r.reason, 200),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const out = [`Checking ${report.url} (server ${report.server}, ${report.mode})`, "", line(header)];
  for (const row of rows) out.push(line(row));
  const explained = report.results.filter(
    (r) => (r.status === "fail" || r.status === "warn") && r.hint !== undefined,
  );
  if (explained.length > 0) {
    out.push("", "What this means for your users:");
    for (const r of explained) out.push(`  ${LABEL[r.status]} ${r.id}: ${fit(r.hint ?? "", 200)}`);
  }
  out.push("", summaryLine(report));
  return out.join("\n") + "\n";
}

export function renderJson(report: CheckReport, options: CheckOptions): string {
  const doc = {
    url: report.url,
    server: report.server,
    mode: report.mode,
    user: options.user ?? null,
    password: options.password === undefined ? null : MASK,
    credentials: options.credentials === undefined ? null : MASK,
    timeoutMs: options.timeoutMs,
    probes: report.results,
    summary: { ...report.counts, line: summaryLine(report) },
    ok: report.counts.failed === 0,
  };
  return JSON.stringify(doc, null, 2) + "\n";
}
