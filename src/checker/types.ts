// The data a conformance run produces: one result per probe, shared by the runner, the probes and the
// report renderers (table and --json), so all of them agree on what a probe said.

import type { Target } from "../auth/http/answers.ts";

export type { Target };
export type ProbeStatus = "pass" | "fail" | "warn" | "skip";

/** What a probe means for the users of one server (Prosody 0.12, or ours). */
export interface TargetVerdict {
  readonly status: ProbeStatus;
  /** For failures and warnings: what this means for users on that server. */
  readonly hint?: string;
}

export interface ProbeResult {
  /** Stable kebab-case id (tests and scripts match on it). */
  readonly id: string;
  /** What the contract expects, in a few words. */
  readonly expected: string;
  /** What the API did, in a few words (never a secret: see redact.ts). */
  readonly got: string;
  readonly status: ProbeStatus;
  /** Why this status, in one line. */
  readonly reason: string;
  /** For failures and warnings: what this means for the people logging in through the API. */
  readonly hint?: string;
  /** The verdict per server; `status` above is the worst of the targets asked for. */
  readonly targets: Readonly<Record<Target, TargetVerdict>>;
}

export interface CheckOptions {
  /** `http_auth_url` as Prosody would have it; `$host` is replaced by `server`. */
  readonly url: string;
  /** The virtual host sent as `server` (and substituted for `$host`). */
  readonly server: string;
  /** `user:secret` for `Authorization: Basic`, as `http_auth_credentials`. */
  readonly credentials?: string;
  /** A known-good account (localpart) and its password, for the probes that need a `true`. */
  readonly user?: string;
  readonly password?: string;
  /** Create, modify and remove a throwaway account. Off by default: a read-only run changes nothing. */
  readonly allowWrites: boolean;
  /** Per-request deadline. */
  readonly timeoutMs: number;
  /** Answers slower than this are reported as a warning: a login waits on every call. */
  readonly slowMs: number;
  /** The servers whose verdicts count (status, counts, exit status). Default: both. */
  readonly targets?: readonly Target[];
  /** Extra CA certificates (PEM file) trusted for an https API, besides the system ones. */
  readonly caFile?: string;
  /** Do not check the API's certificate (a private CA with no file at hand): said in the report. */
  readonly insecure?: boolean;
  /** Called with a probe id just before it runs (the CLI shows it as progress on a TTY). */
  readonly onProgress?: (id: string) => void;
}

export interface CheckCounts {
  readonly passed: number;
  readonly failed: number;
  readonly warnings: number;
  readonly skipped: number;
}

/** Whether an API is usable with one server: no probe fails there. */
export interface TargetSummary {
  readonly target: Target;
  readonly failed: number;
  readonly warnings: number;
  readonly usable: boolean;
}

export interface CheckReport {
  readonly url: string;
  readonly server: string;
  readonly mode: "read-only" | "allow-writes";
  readonly results: readonly ProbeResult[];
  readonly counts: CheckCounts;
  readonly targets: readonly TargetSummary[];
  /** Set when the certificate was not checked (--insecure). */
  readonly insecure: boolean;
}

const RANK: Readonly<Record<ProbeStatus, number>> = { skip: 0, pass: 1, warn: 2, fail: 3 };

/** The worst status over the targets asked for: fail > warn > pass > skip. */
export function worstOf(statuses: readonly ProbeStatus[]): ProbeStatus {
  return statuses.reduce<ProbeStatus>((w, s) => (RANK[s] > RANK[w] ? s : w), "skip");
}

export function summarizeTargets(
  results: readonly ProbeResult[],
  targets: readonly Target[],
): TargetSummary[] {
  return targets.map((target) => {
    const failed = results.filter((r) => r.targets[target].status === "fail").length;
    const warnings = results.filter((r) => r.targets[target].status === "warn").length;
    return { target, failed, warnings, usable: failed === 0 };
  });
}

export function countResults(results: readonly ProbeResult[]): CheckCounts {
  const n = (s: ProbeStatus): number => results.filter((r) => r.status === s).length;
  return { passed: n("pass"), failed: n("fail"), warnings: n("warn"), skipped: n("skip") };
}
