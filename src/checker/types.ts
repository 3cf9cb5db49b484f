// The data a conformance run produces: one result per probe, shared by the runner, the probes and the
// report renderers (table and --json), so all of them agree on what a probe said.

export type ProbeStatus = "pass" | "fail" | "warn" | "skip";

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
  /** Called with a probe id just before it runs (the CLI shows it as progress on a TTY). */
  readonly onProgress?: (id: string) => void;
}

export interface CheckCounts {
  readonly passed: number;
  readonly failed: number;
  readonly warnings: number;
  readonly skipped: number;
}

export interface CheckReport {
  readonly url: string;
  readonly server: string;
  readonly mode: "read-only" | "allow-writes";
  readonly results: readonly ProbeResult[];
  readonly counts: CheckCounts;
}

export function countResults(results: readonly ProbeResult[]): CheckCounts {
  const n = (s: ProbeStatus): number => results.filter((r) => r.status === s).length;
  return { passed: n("pass"), failed: n("fail"), warnings: n("warn"), skipped: n("skip") };
}
