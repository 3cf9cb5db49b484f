// Turning one HTTP outcome into a verdict. The wording lives here so that every probe describes a
// timeout, a refused credential or a wrong status the same way.
import { describeShape, readBooleanBody, showBody } from "./boolean-body.ts";
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

export interface BooleanHints {
  /** When the answer means the opposite of what it should. */
  readonly opposite: string;
  /** When the call got a status other than 200 or an answer that is not a yes/no. */
  readonly broken: string;
}

/**
 * Judges a check_password/user_exists answer on its meaning. The spelling (`true\n`, `TRUE`, JSON) is
 * the boolean-body probe's business, so one spelling mistake is reported once, not by every probe.
 */
export function judgeBoolean(outcome: Outcome, want: boolean, hints: BooleanHints): Verdict {
  if (outcome.kind === "error" || outcome.status === 401) return commonFailure(outcome);
  const answer = outcome;
  const got = describeOutcome(answer);
  if (answer.status !== 200) {
    return { status: "fail", got, reason: statusReason(answer, `200 ${want}`), hint: hints.broken };
  }
  const reading = readBooleanBody(answer.body);
  if (reading.meaning === undefined) {
    return { status: "fail", got, reason: describeShape(reading.shape, answer.display), hint: hints.broken };
  }
  if (reading.meaning !== want) {
    return { status: "fail", got, reason: `the answer means ${reading.meaning}`, hint: hints.opposite };
  }
  const spelled = reading.shape === "exact" ? "" : " (but not spelled exactly: see boolean-body)";
  return { status: "pass", got, reason: `means ${want}${spelled}` };
}
