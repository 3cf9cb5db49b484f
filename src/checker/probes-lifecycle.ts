// The --allow-writes life cycle, on a throwaway account with a random name and a password full of
// reserved and non-ASCII characters: register (with Prosody's Content-Type typo, as Prosody sends it),
// register again, log in, change the password (correct Content-Type), old refused, new accepted,
// remove, gone. The account is removed in a `finally` whatever happened, but only if this run created
// it: a name that answers 409 on the first register is not ours to delete.
import { CONTRACT, FORM_CONTENT_TYPE, PROSODY_FORM_CONTENT_TYPE } from "../auth/http/protocol.ts";
import type { CheckContext } from "./context.ts";
import type { Outcome } from "./http-client.ts";
import { commonFailure, describeOutcome, judgeBoolean, statusReason, type Verdict } from "./judge.ts";
import { runProbe, skipProbe, standardParams } from "./run-probe.ts";
import { NOT_IMPLEMENTED } from "./probes-write-guards.ts";

export const LIFECYCLE: ReadonlyArray<readonly [string, string]> = [
  ["register-new", "201 (Prosody's Content-Type)"],
  ["register-existing", "409"],
  ["register-login", "check_password 200 true"],
  ["set-password", "200, 201 or 204"],
  ["old-password-refused", "check_password 200 false"],
  ["new-password-accepted", "check_password 200 true"],
  ["remove-user", "200, 201 or 204"],
  ["user-gone", "user_exists 200 false"],
];

function skipFrom(ctx: CheckContext, firstId: string, reason: string, lastId?: string): void {
  const start = LIFECYCLE.findIndex(([id]) => id === firstId);
  const end = lastId === undefined ? LIFECYCLE.length : LIFECYCLE.findIndex(([id]) => id === lastId) + 1;
  for (const [id, expected] of LIFECYCLE.slice(start, end)) skipProbe(ctx, id, expected, reason);
}

const HINT_REGISTER = "in-band registration (XEP-0077) through Prosody fails";

export async function probeLifecycle(ctx: CheckContext): Promise<void> {
  if (!ctx.options.allowWrites) {
    return skipFrom(ctx, "register-new", "read-only run: pass --allow-writes to use a throwaway account");
  }
  const state = { created: false, removed: false };
  try {
    await lifecycle(ctx, state);
  } finally {
    if (state.created && !state.removed) await cleanup(ctx);
  }
}

async function lifecycle(ctx: CheckContext, state: { created: boolean; removed: boolean }): Promise<void> {
  const user = ctx.throwawayUser;
  const { first, second } = ctx.passwords;
  const registered = await runProbe(ctx, "register-new", "201 (Prosody's Content-Type)", async () => {
    const verdict = await registerNew(ctx, state);
    return verdict;
  });
  if (!state.created) {
    const why =
      registered.status === "skip"
        ? "register is not implemented"
        : "no throwaway account (see register-new)";
    return skipFrom(ctx, "register-existing", why);
  }
  await runProbe(ctx, "register-existing", "409", async () => {
    const outcome = await ctx.call({ method: "register", params: standardParams(ctx, user, first) });
    return judgeExisting(outcome);
  });
  await runProbe(ctx, "register-login", "check_password 200 true", async () => {
    const outcome = await ctx.call({
      method: "check_password",
      params: standardParams(ctx, user, first),
      boolean: true,
    });
    return judgeBoolean(outcome, true, {
      opposite: "a newly registered user cannot log in (is the UTF-8 password decoded right?)",
      broken: "a newly registered user cannot log in",
    });
  });
  const changed = await runProbe(ctx, "set-password", "200, 201 or 204", async () => {
    const outcome = await ctx.call({
      method: "set_password",
      params: standardParams(ctx, user, second),
      contentType: FORM_CONTENT_TYPE,
    });
    return judgeWrite(outcome, "set_password");
  });
  if (changed.status !== "pass") {
    const why = changed.status === "skip" ? "set_password is not implemented" : "set_password failed";
    skipFrom(ctx, "old-password-refused", why, "new-password-accepted");
  } else {
    await runProbe(ctx, "old-password-refused", "check_password 200 false", async () => {
      const outcome = await ctx.call({
        method: "check_password",
        params: standardParams(ctx, user, first),
        boolean: true,
      });
      return judgeBoolean(outcome, false, {
        opposite: "after a password change the old password still logs in",
        broken: "after a password change, logins with the old password break the API",
      });
    });
    await runProbe(ctx, "new-password-accepted", "check_password 200 true", async () => {
      const outcome = await ctx.call({
        method: "check_password",
        params: standardParams(ctx, user, second),
        boolean: true,
      });
      return judgeBoolean(outcome, true, {
        opposite: "after a password change the user cannot log in with the new password",
        broken: "after a password change the user cannot log in",
      });
    });
  }
  const removed = await runProbe(ctx, "remove-user", "200, 201 or 204", async () => {
    const outcome = await ctx.call({ method: "remove_user", params: standardParams(ctx, user) });
    return judgeWrite(outcome, "remove_user");
  });
  state.removed = removed.status === "pass";
  if (!state.removed) {
    const why = removed.status === "skip" ? "remove_user is not implemented" : "remove_user failed";
    return skipFrom(ctx, "user-gone", why);
  }
  await runProbe(ctx, "user-gone", "user_exists 200 false", async () => {
    const outcome = await ctx.call({
      method: "user_exists",
      params: standardParams(ctx, user),
      boolean: true,
    });
    return judgeBoolean(outcome, false, {
      opposite: "a removed account still exists: its name cannot be registered again",
      broken: "after an account is removed the API misbehaves for its name",
    });
  });
}

/** register as Prosody sends it; on a refusal, again with the correct spelling to name the cause. */
async function registerNew(ctx: CheckContext, state: { created: boolean }): Promise<Verdict> {
  const params = standardParams(ctx, ctx.throwawayUser, ctx.passwords.first);
  const outcome = await ctx.call({ method: "register", params, contentType: PROSODY_FORM_CONTENT_TYPE });
  if (outcome.kind === "error" || outcome.status === 401) return commonFailure(outcome);
  const got = describeOutcome(outcome);
  const s = outcome.status;
  if (s === 201) {
    state.created = true;
    return { status: "pass", got, reason: "created, with Prosody's application/x/www-form-urlencoded" };
  }
  if (s === 501) return { status: "skip", got, reason: NOT_IMPLEMENTED.register };
  if (s === 409) {
    return { status: "fail", got, reason: "409 for a random name that cannot exist", hint: HINT_REGISTER };
  }
  if (s >= 200 && s < 300) {
    state.created = true;
    return {
      status: "fail",
      got,
      reason: `${s}: Prosody treats anything but 201 as a failure`,
      hint: "the account is created but the user is told registration failed (feature-not-implemented)",
    };
  }
  const retry = await ctx.call({ method: "register", params, contentType: FORM_CONTENT_TYPE });
  if (retry.kind === "answer" && (retry.status === 201 || retry.status === 409)) {
    state.created = true;
    return {
      status: "fail",
      got,
      reason:
        retry.status === 201
          ? `${s} with Prosody's Content-Type application/x/www-form-urlencoded, 201 with the correct one`
          : `${s}, yet the account was created`,
      hint: `${HINT_REGISTER}: read the form body whatever the Content-Type says`,
    };
  }
  if (s === 404 || s === 405) {
    return {
      status: "fail",
      got,
      reason: `${s}: an unimplemented method must answer 501`,
      hint: HINT_REGISTER,
    };
  }
  return { status: "fail", got, reason: statusReason(outcome, "201"), hint: HINT_REGISTER };
}

function judgeExisting(outcome: Outcome): Verdict {
  if (outcome.kind === "error" || outcome.status === 401) return commonFailure(outcome);
  const got = describeOutcome(outcome);
  if (outcome.status === 409) return { status: "pass", got, reason: "refuses a name that exists" };
  return {
    status: "fail",
    got,
    reason: statusReason(outcome, "409"),
    hint:
      outcome.status < 300
        ? "registering an existing name succeeds: someone can take over an account by registering it again"
        : "registering an existing name does not say conflict",
  };
}

function judgeWrite(outcome: Outcome, method: "set_password" | "remove_user"): Verdict {
  if (outcome.kind === "error" || outcome.status === 401) return commonFailure(outcome);
  const got = describeOutcome(outcome);
  if (CONTRACT[method].ok.includes(outcome.status)) return { status: "pass", got, reason: "done" };
  if (outcome.status === 501) return { status: "skip", got, reason: NOT_IMPLEMENTED[method] };
  const what = method === "set_password" ? "password changes" : "account removals";
  const expected = CONTRACT[method].ok.join(", ");
  return {
    status: "fail",
    got,
    reason: statusReason(outcome, expected),
    hint: `${what} fail for your users`,
  };
}

async function cleanup(ctx: CheckContext): Promise<void> {
  const outcome = await ctx.call({ method: "remove_user", params: standardParams(ctx, ctx.throwawayUser) });
  if (outcome.kind === "answer" && CONTRACT.remove_user.ok.includes(outcome.status)) return;
  ctx.record({
    id: "cleanup",
    expected: "throwaway account removed",
    got: describeOutcome(outcome),
    status: "warn",
    reason: `could not remove the throwaway account ${ctx.throwawayUser}`,
    hint: "remove that account by hand",
  });
}
