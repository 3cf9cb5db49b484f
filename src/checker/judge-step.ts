// Verdicts derived from the answer table (src/auth/http/answers.ts) and the effects table
// (effects.ts), never written by hand: for each server, the reading of the answer is compared with
// the reading the step needs. Equal: PASS (WARN when the answer is one the contract does not define,
// so it works by accident). A defined "not implemented": SKIP, with what users lose. Otherwise FAIL,
// with what users see on that server instead of what they should.
import {
  readAnswer,
  readingFor,
  TARGETS,
  type AnswerRow,
  type Reading,
  type Target,
} from "../auth/http/answers.ts";
import {
  STEP_METHOD,
  STEP_NAME,
  TARGET_NAME,
  effectOf,
  sameForUsers,
  type Step,
} from "../auth/http/effects.ts";
import { FORM_CONTENT_TYPE, PROSODY_FORM_CONTENT_TYPE } from "../auth/http/protocol.ts";
import { describeShape, readBooleanBody } from "./boolean-body.ts";
import type { Outcome } from "./http-client.ts";
import { commonFailure, describeOutcome, type Verdict } from "./judge.ts";
import { worstOf, type TargetVerdict } from "./types.ts";

export interface StepCase {
  readonly step: Step;
  /** Who does what, for the sentences: "a login with the right password". */
  readonly situation: string;
  /** The reading the step needs: `yes` for the right password, `no` for a wrong one, `done` for a write. */
  readonly want: Reading;
}

function rowOf(step: Step, outcome: Outcome): AnswerRow {
  const seen = outcome.kind === "error" ? undefined : { status: outcome.status, body: outcome.body };
  return readAnswer(STEP_METHOD[step], seen);
}

function judgeTarget(c: StepCase, target: Target, row: AnswerRow, typoOnly: boolean): TargetVerdict {
  const reading = readingFor(target, row);
  const name = TARGET_NAME[target];
  const expected = effectOf(c.step, target, c.want);
  const actual = effectOf(c.step, target, reading);
  if (reading === c.want || sameForUsers(c.step, target, reading, c.want)) {
    if (row.defined && reading === c.want) return { status: "pass" };
    return {
      status: "warn",
      hint: `${c.situation} gets ${actual}, as it should, but only by accident: the answer is not a defined one`,
    };
  }
  // A write the API declares unimplemented (501, or 404/405 without an HTML page) is a choice, not a fault.
  if (row.defined && row.ours === "not-implemented") {
    return { status: "skip", hint: `users cannot ${STEP_NAME[c.step]} on ${name}: ${actual}` };
  }
  if (typoOnly && target === "prosody") {
    return {
      status: "fail",
      hint: `works with xmpp-http-auth, fails with Prosody 0.12 (its Content-Type typo): users cannot ${STEP_NAME[c.step]} through Prosody (${actual})`,
    };
  }
  return { status: "fail", hint: `${c.situation} gets ${actual} (should be: ${expected})` };
}

/**
 * Judges one step. `ours` is the answer to the request our server sends when it differs from
 * Prosody's (a write with the correct Content-Type); `outcome` is the answer to Prosody's request.
 */
export function judgeStep(c: StepCase, outcome: Outcome, ours?: Outcome): Verdict {
  if (outcome.kind === "error" || outcome.status === 401) return commonFailure(outcome);
  const oursOutcome = ours ?? outcome;
  if (oursOutcome.kind === "error" || oursOutcome.status === 401) return commonFailure(oursOutcome);
  const prosodyRow = rowOf(c.step, outcome);
  const oursRow = rowOf(c.step, oursOutcome);
  const typoOnly = ours !== undefined && oursRow.ours === c.want && prosodyRow.ours !== c.want;
  const targets = {
    prosody: judgeTarget(c, "prosody", prosodyRow, typoOnly),
    "xmpp-http-auth": judgeTarget(c, "xmpp-http-auth", oursRow, false),
  };
  const got =
    ours === undefined
      ? describeOutcome(outcome)
      : `${describeOutcome(outcome)}; correct type: ${describeOutcome(oursOutcome)}`;
  const status = worstOf(TARGETS.map((t) => targets[t].status));
  return { status, got, reason: reasonOf(c, outcome, prosodyRow, oursRow, typoOnly), targets };
}

function reasonOf(
  c: StepCase,
  outcome: Outcome,
  prosodyRow: AnswerRow,
  oursRow: AnswerRow,
  typoOnly: boolean,
): string {
  if (outcome.kind === "error") return "no answer";
  if (typoOnly) {
    return `${outcome.status} with Prosody's Content-Type ${PROSODY_FORM_CONTENT_TYPE}, accepted with the correct ${FORM_CONTENT_TYPE}`;
  }
  const readings =
    prosodyRow.prosody === oursRow.ours
      ? `read as ${oursRow.ours}`
      : `Prosody reads ${prosodyRow.prosody}, xmpp-http-auth ${oursRow.ours}`;
  if (prosodyRow.prosody === c.want && oursRow.ours === c.want) {
    return prosodyRow.defined ? `means ${c.want}` : `${readings}, but not a defined answer`;
  }
  const boolean = c.step === "login" || c.step === "message";
  const shape = readBooleanBody(outcome.body).shape;
  if (boolean && outcome.status === 200 && shape !== "exact") {
    return `${describeShape(shape, outcome.display)}; ${readings}`;
  }
  if (outcome.status === 404 && prosodyRow.defined === false) {
    return `404 page: is the URL right (base path, $host)? ${readings}`;
  }
  return `${outcome.status}: ${readings}`;
}
