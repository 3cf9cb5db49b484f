// The --allow-writes life cycle, on a throwaway account with a random name and a password full of
// reserved and non-ASCII characters: register, register again, log in, change the password, old
// refused, new accepted, remove, gone. Every write is sent as Prosody sends it (its Content-Type typo)
// and, when that fails, as we send it, so each server is judged on its own request. The account is removed in a `finally` whatever happened, but only if this run created
// it: a name that answers 409 on the first register is not ours to delete.
import { STEP_METHOD } from "../auth/http/effects.ts";
import { CONTRACT, FORM_CONTENT_TYPE, PROSODY_FORM_CONTENT_TYPE } from "../auth/http/protocol.ts";
import type { CheckContext } from "./context.ts";
import type { Outcome, Pairs } from "./http-client.ts";
import { commonFailure, describeOutcome, statusReason, type Verdict } from "./judge.ts";
import { judgeStep } from "./judge-step.ts";
import { resultOf, runProbe, skipProbe, standardParams } from "./run-probe.ts";
import type { Target, TargetVerdict } from "./types.ts";

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

type Targets = Readonly<Record<Target, TargetVerdict>>;

/** Where a write went through (PASS or WARN) for each server. */
function doneOn(verdict: Verdict): Record<Target, boolean> {
  const ok = (t: Target): boolean => {
    const s = verdict.targets?.[t].status ?? verdict.status;
    return s === "pass" || s === "warn";
  };
  return { prosody: ok("prosody"), "xmpp-http-auth": ok("xmpp-http-auth") };
}

/** A follow-up probe says nothing for a server where the write before it failed. */
function onlyWhere(done: Record<Target, boolean>, why: string, verdict: Verdict): Verdict {
  const same: TargetVerdict = verdict.hint === undefined ? { status: verdict.status } : verdict;
  const base: Targets = verdict.targets ?? { prosody: same, "xmpp-http-auth": same };
  const targets = {
    prosody: done.prosody ? base.prosody : { status: "skip" as const, hint: `${why} on Prosody 0.12` },
    "xmpp-http-auth": done["xmpp-http-auth"]
      ? base["xmpp-http-auth"]
      : { status: "skip" as const, hint: `${why} on xmpp-http-auth` },
  };
  return { ...verdict, targets };
}

async function login(ctx: CheckContext, password: string, situation: string, want: "yes" | "no") {
  const outcome = await ctx.call({
    method: "check_password",
    params: standardParams(ctx, ctx.throwawayUser, password),
    boolean: true,
  });
  return judgeStep({ step: "login", situation, want }, outcome);
}

async function lifecycle(ctx: CheckContext, state: { created: boolean; removed: boolean }): Promise<void> {
  const user = ctx.throwawayUser;
  const { first, second } = ctx.passwords;
  const registered = await runProbe(ctx, "register-new", "201 (Prosody's Content-Type)", () =>
    registerNew(ctx, state),
  );
  if (!state.created) {
    const why =
      registered.status === "skip"
        ? "register is not implemented"
        : "no throwaway account (see register-new)";
    return skipFrom(ctx, "register-existing", why);
  }
  await runProbe(ctx, "register-existing", "409", async () => {
    const params = standardParams(ctx, user, first);
    const outcome = await ctx.call({ method: "register", params, contentType: PROSODY_FORM_CONTENT_TYPE });
    if (!mayBeTheTypo(outcome)) return judgeExisting(outcome);
    const ours = await ctx.call({ method: "register", params, contentType: FORM_CONTENT_TYPE });
    const p = judgeExisting(outcome);
    const o = judgeExisting(ours);
    const targets = { prosody: p, "xmpp-http-auth": o };
    return { ...p, got: `${p.got}; correct type: ${o.got}`, targets };
  });
  await runProbe(ctx, "register-login", "check_password 200 true", () =>
    login(ctx, first, "a login just after registration", "yes"),
  );
  const changed = await runProbe(ctx, "set-password", "200, 201 or 204", () =>
    writeStep(ctx, "set_password", standardParams(ctx, user, second), "a password change"),
  );
  const changedOn = doneOn(changed);
  if (!changedOn.prosody && !changedOn["xmpp-http-auth"]) {
    const why = changed.status === "skip" ? "set_password is not implemented" : "set_password failed";
    skipFrom(ctx, "old-password-refused", why, "new-password-accepted");
  } else {
    const why = "the password change failed";
    await runProbe(ctx, "old-password-refused", "check_password 200 false", async () =>
      onlyWhere(
        changedOn,
        why,
        await login(ctx, first, "a login with the old password after a change", "no"),
      ),
    );
    await runProbe(ctx, "new-password-accepted", "check_password 200 true", async () =>
      onlyWhere(changedOn, why, await login(ctx, second, "a login with the new password", "yes")),
    );
  }
  const removed = await runProbe(ctx, "remove-user", "200, 201 or 204", () =>
    writeStep(ctx, "remove_user", standardParams(ctx, user), "an account removal"),
  );
  const removedOn = doneOn(removed);
  state.removed = removedOn.prosody || removedOn["xmpp-http-auth"];
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
    const situation = "a message to a removed account";
    return onlyWhere(
      removedOn,
      "the removal failed",
      judgeStep({ step: "message", situation, want: "no" }, outcome),
    );
  });
}

/**
 * A write as Prosody sends it (its Content-Type typo); when our server would not read that answer as
 * done, again as we send it (the correct type), so each server is judged on the request it sends.
 */
async function writeStep(
  ctx: CheckContext,
  step: "set_password" | "remove_user" | "register",
  params: Pairs,
  situation: string,
  sent: Outcome[] = [],
): Promise<Verdict> {
  const method = STEP_METHOD[step];
  const outcome = await ctx.call({ method, params, contentType: PROSODY_FORM_CONTENT_TYPE });
  sent.push(outcome);
  let ours: Outcome | undefined;
  if (mayBeTheTypo(outcome)) {
    ours = await ctx.call({ method, params, contentType: FORM_CONTENT_TYPE });
    sent.push(ours);
  }
  return judgeStep({ step, situation, want: "done" }, outcome, ours);
}

/**
 * A refusal that may come from a form body the API did not parse (Express's strict urlencoded(), Flask's
 * request.form, PHP's $_POST all ignore Prosody's Content-Type): a 4xx or 5xx that is not one of the
 * answers with a meaning of their own.
 */
function mayBeTheTypo(outcome: Outcome): boolean {
  if (outcome.kind !== "answer") return false;
  const s = outcome.status;
  return s >= 400 && ![401, 404, 405, 409, 501].includes(s);
}

/** register as Prosody sends it; on a refusal, again with the correct spelling (what we send). */
async function registerNew(ctx: CheckContext, state: { created: boolean }): Promise<Verdict> {
  const params = standardParams(ctx, ctx.throwawayUser, ctx.passwords.first);
  const sent: Outcome[] = [];
  const verdict = await writeStep(ctx, "register", params, "an in-band registration", sent);
  // A 2xx to either request created the account (a 200 too, though both servers call it a failure);
  // a 409 to the second means the first created it after all.
  state.created = sent.some(
    (o, i) => o.kind === "answer" && ((o.status >= 200 && o.status < 300) || (i > 0 && o.status === 409)),
  );
  return verdict;
}

function judgeExisting(outcome: Outcome): Verdict {
  if (outcome.kind === "error" || outcome.status === 401) return commonFailure(outcome);
  const got = describeOutcome(outcome);
  if (outcome.status === 409) return { status: "pass", got, reason: "refuses a name that exists" };
  // Both servers ask user_exists first, so only a race between two registrations sends this.
  return {
    status: "warn",
    got,
    reason: statusReason(outcome, "409"),
    hint:
      outcome.status < 300
        ? "registering an existing name succeeds: two registrations racing for a name could take over an account"
        : "registering an existing name does not say conflict (only two registrations racing for a name see it)",
  };
}

async function cleanup(ctx: CheckContext): Promise<void> {
  const outcome = await ctx.call({ method: "remove_user", params: standardParams(ctx, ctx.throwawayUser) });
  if (outcome.kind === "answer" && CONTRACT.remove_user.ok.includes(outcome.status)) return;
  ctx.record(
    resultOf(ctx.options.targets, "cleanup", "throwaway account removed", {
      got: describeOutcome(outcome),
      status: "warn",
      reason: `could not remove the throwaway account ${ctx.throwawayUser}`,
      hint: "remove that account by hand",
    }),
  );
}
