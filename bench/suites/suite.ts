// The shape of a suite and what the runner hands it.
import type { Progress } from "../lib/progress.ts";
import type { Results, SuiteOutcome } from "../lib/results.ts";

export interface SuiteContext {
  readonly rounds: number;
  readonly durationMs: number;
  readonly repoRoot: string;
  /** Where mod_auth_http was looked for, and whether it was found there. */
  readonly modSearchDir: string;
  readonly modDir: string | undefined;
  /** A fresh directory for this suite's configs, data and logs. */
  readonly runDir: string;
  readonly progress: Progress;
  readonly results: Results;
  readonly outcome: SuiteOutcome;
}

export interface Suite {
  readonly name: string;
  readonly summary: string;
  run(ctx: SuiteContext): Promise<void>;
}
