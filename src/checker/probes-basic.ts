// The two mandatory methods asked the questions a login and a message delivery ask:
// check_password (right and wrong password) and user_exists (an account that exists, one that cannot).
import type { CheckContext } from "./context.ts";
import type { Outcome } from "./http-client.ts";
import { describeOutcome, HINT_TIMEOUT, type Verdict } from "./judge.ts";
import { judgeStep } from "./judge-step.ts";
import { runProbe, skipProbe, standardParams } from "./run-probe.ts";

const NEEDS_ACCOUNT = "needs a known account: pass --user and --password";

/** One user_exists call for a name that cannot exist: does anything answer at all, and in time? */
export async function probeReachable(ctx: CheckContext): Promise<Outcome> {
  let outcome: Outcome | undefined;
  const expected = `an HTTP answer within the timeout`;
  await runProbe(ctx, "reachable", expected, async () => {
    outcome = await ctx.call({
      method: "user_exists",
      params: standardParams(ctx, ctx.absentUser),
      boolean: true,
    });
    return judgeReachable(ctx, outcome);
  });
  return outcome as Outcome;
}

function judgeReachable(ctx: CheckContext, outcome: Outcome): Verdict {
  const got = describeOutcome(outcome);
  if (outcome.kind === "error") {
    return {
      status: "fail",
      got,
      reason: outcome.timedOut ? "the API did not answer in time" : "no HTTP answer",
      hint: outcome.timedOut
        ? HINT_TIMEOUT
        : "Prosody treats an unreachable API as a wrong password: nobody can log in",
    };
  }
  if (outcome.status === 401 && ctx.options.credentials !== undefined) {
    return {
      status: "fail",
      got,
      reason: "the API refused the --credentials given",
      hint: "with these http_auth_credentials Prosody could not log anyone in",
    };
  }
  // A 404 whose body is exactly `false` is an answer (Pleroma's "no such user"; src/auth/http/answers.ts);
  // anything else at 404 (an HTML page, an empty body) means nothing is routed at this URL.
  if (outcome.status === 404 && outcome.body !== "false") {
    return {
      status: "fail",
      got,
      reason: "404: nothing at this URL; is the URL right?",
      hint: "the URL is http_auth_url, the base each method is appended to (…/auth → …/auth/user_exists)",
    };
  }
  return { status: "pass", got, reason: "the API answers" };
}

export async function probeCheckPasswordGood(ctx: CheckContext): Promise<void> {
  const { user, password } = ctx.options;
  const id = "check-password-good";
  const expected = "200 true";
  if (user === undefined || password === undefined) return void skipProbe(ctx, id, expected, NEEDS_ACCOUNT);
  await runProbe(ctx, id, expected, async () => {
    const outcome = await ctx.call({
      method: "check_password",
      params: standardParams(ctx, user, password),
      boolean: true,
    });
    return judgeStep({ step: "login", situation: "a login with the right password", want: "yes" }, outcome);
  });
}

export async function probeCheckPasswordWrong(ctx: CheckContext): Promise<void> {
  const user = ctx.options.user ?? ctx.absentUser;
  await runProbe(ctx, "check-password-wrong", "false (200, or a 4xx)", async () => {
    const outcome = await ctx.call({
      method: "check_password",
      params: standardParams(ctx, user, ctx.passwords.wrong),
      boolean: true,
    });
    return judgeStep({ step: "login", situation: "a login with a wrong password", want: "no" }, outcome);
  });
}

export async function probeUserExistsKnown(ctx: CheckContext): Promise<void> {
  const { user } = ctx.options;
  const id = "user-exists-known";
  const expected = "200 true";
  if (user === undefined) return void skipProbe(ctx, id, expected, "needs a known account: pass --user");
  await runProbe(ctx, id, expected, async () => {
    const outcome = await ctx.call({
      method: "user_exists",
      params: standardParams(ctx, user),
      boolean: true,
    });
    return judgeStep(
      { step: "message", situation: "a message to an existing offline user", want: "yes" },
      outcome,
    );
  });
}

export async function probeUserExistsUnknown(ctx: CheckContext): Promise<void> {
  await runProbe(ctx, "user-exists-unknown", "false (200, or a 4xx)", async () => {
    const outcome = await ctx.call({
      method: "user_exists",
      params: standardParams(ctx, ctx.absentUser),
      boolean: true,
    });
    return judgeStep(
      { step: "message", situation: "a message to an address that does not exist", want: "no" },
      outcome,
    );
  });
}
