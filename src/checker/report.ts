// Rendering a run: a table for people (one row per probe, then what each failure means for users,
// then the summary line) or one JSON document for scripts. Both take the already-redacted report.
import { MASK } from "./redact.ts";
import { TARGET_NAME } from "../auth/http/effects.ts";
import type { CheckOptions, CheckReport, ProbeStatus, Target, TargetSummary } from "./types.ts";

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

const COLUMN: Readonly<Record<Target, string>> = { prosody: "PROSODY", "xmpp-http-auth": "XHA" };

/** The targets a report speaks for, in a fixed order. */
function targetsOf(report: CheckReport): Target[] {
  return report.targets.map((t) => t.target);
}

export function renderTable(report: CheckReport): string {
  const targets = targetsOf(report);
  const header = ["PROBE", "EXPECTED", "GOT", ...targets.map((t) => COLUMN[t]), "REASON"];
  const rows = report.results.map((r) => [
    r.id,
    fit(r.expected, 40),
    fit(r.got, 36),
    ...targets.map((t) => LABEL[r.targets[t].status]),
    fit(r.reason, 200),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const out = [`Checking ${report.url} (server ${report.server}, ${report.mode})`];
  if (report.insecure) out.push("WARNING: --insecure: the API's certificate was not checked");
  out.push("", line(header));
  for (const row of rows) out.push(line(row));
  const explained = explanations(report, targets);
  if (explained.length > 0) out.push("", "What this means for your users:", ...explained);
  out.push("", summaryLine(report));
  for (const t of report.targets) out.push(targetLine(t));
  return out.join("\n") + "\n";
}

/** One line per failure or warning; one line per server where the servers differ. */
function explanations(report: CheckReport, targets: readonly Target[]): string[] {
  const out: string[] = [];
  for (const r of report.results) {
    const shown = targets
      .map((t) => ({ t, v: r.targets[t] }))
      .filter(({ v }) => (v.status === "fail" || v.status === "warn") && v.hint !== undefined);
    const first = shown[0];
    if (first === undefined) continue;
    const agree =
      shown.length === targets.length &&
      shown.every(({ v }) => v.status === first.v.status && v.hint === first.v.hint);
    if (agree) {
      out.push(`  ${LABEL[first.v.status]} ${r.id}: ${fit(first.v.hint ?? "", 200)}`);
      continue;
    }
    for (const { t, v } of shown) {
      out.push(`  ${LABEL[v.status]} ${r.id} on ${TARGET_NAME[t]}: ${fit(v.hint ?? "", 200)}`);
    }
  }
  return out;
}

function targetLine(t: TargetSummary): string {
  const verdict = t.usable ? "usable" : "NOT usable";
  return `${TARGET_NAME[t.target]}: ${verdict} (${t.failed} failed, ${t.warnings} warnings)`;
}

/** 0: usable with every target asked for; 1: with none; 3: only with ours; 4: only with Prosody. */
export function exitStatus(report: CheckReport): number {
  const usable = report.targets.filter((t) => t.usable).map((t) => t.target);
  if (usable.length === report.targets.length) return 0;
  if (usable.length === 0) return 1;
  return usable.includes("xmpp-http-auth") ? 3 : 4;
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
    targets: report.targets,
    insecure: report.insecure,
    exitStatus: exitStatus(report),
    ok: report.counts.failed === 0,
  };
  return JSON.stringify(doc, null, 2) + "\n";
}
