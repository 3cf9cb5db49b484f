// Turning one HTTP outcome into a verdict. The wording lives here so that every probe describes a
// timeout, a refused credential or a wrong status the same way.
import { showBody } from "./boolean-body.ts";
import { formatMs, type Answer, type Outcome } from "./http-client.ts";
import type { ProbeStatus, Target, TargetVerdict } from "./types.ts";

export interface Verdict {
  readonly status: ProbeStatus;
  readonly got: string;
  readonly reason: string;
  readonly hint?: string;
  /** Set when the servers differ; otherwise `status` and `hint` hold for both. */
  readonly targets?: Readonly<Record<Target, TargetVerdict>>;
}

/** `200 "true" (3 ms)`; `204 (3 ms)`; `no answer within 5 s`. */
export function describeOutcome(outcome: Outcome): string {
  if (outcome.kind === "error") return outcome.message;
  const body = outcome.display === "" ? "" : ` ${showBody(outcome.display, 24)}`;
  return `${outcome.status}${body} (${formatMs(outcome.ms)})`;
}

export const HINT_TIMEOUT =
  "Prosody has no timeout of its own: a login waits on this call until the client gives up (300 s)";

/** The verdict for what no probe expects: no answer at all (kind "error"), or the credentials refused (401). */
export function commonFailure(outcome: Outcome): Verdict {
  const got = describeOutcome(outcome);
  if (outcome.kind === "error") {
    return outcome.timedOut
      ? { status: "fail", got, reason: "the API did not answer in time", hint: HINT_TIMEOUT }
      : {
          status: "fail",
          got,
          reason: "the request failed",
          hint: "Prosody treats an unreachable API as a wrong password: nobody can log in",
        };
  }
  if (outcome.status === 401) {
    return {
      status: "fail",
      got,
      reason: "the API refused the credentials sent (401)",
      hint: "with these http_auth_credentials Prosody could not log anyone in",
    };
  }
  return { status: "fail", got, reason: "unexpected answer", hint: "see the status" };
}

export function statusReason(answer: Answer, expected: string): string {
  const s = answer.status;
  if (s === 404) return `404, the contract says ${expected}: is the URL right (base path, $host)?`;
  if (s >= 500) return `server error ${s}, the contract says ${expected}`;
  return `status ${s}, the contract says ${expected}`;
}
