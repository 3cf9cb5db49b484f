// The write methods, probed without writing. Each gets a POST that names no user (only `server`):
// a service that implements the method must refuse it with 400 (the contract: 400 when `user` is
// missing), one that does not must answer 501. Neither can touch an account, because none is named;
// that is what lets a read-only run check that unimplemented writes answer 501 rather than 404 or
// 405. An API that answers such a call with success is reported as failing: it did not look at its
// input. These probes run with --allow-writes too: the answer to a malformed write matters either way.
import type { Method } from "../auth/http/protocol.ts";
import type { CheckContext } from "./context.ts";
import type { Outcome } from "./http-client.ts";
import { commonFailure, describeOutcome, type Verdict } from "./judge.ts";
import { runProbe } from "./run-probe.ts";

/** What refusing each write costs users, for a service that answers 501 to it. */
export const NOT_IMPLEMENTED: Readonly<Record<Exclude<Method, "check_password" | "user_exists">, string>> = {
  register: "not implemented (501): in-band registration will be refused",
  set_password: "not implemented (501): password change will be refused",
  remove_user: "not implemented (501): account removal will be refused",
};

type WriteMethod = keyof typeof NOT_IMPLEMENTED;

const WRITES: ReadonlyArray<readonly [WriteMethod, string]> = [
  ["register", "register-no-user"],
  ["set_password", "set-password-no-user"],
  ["remove_user", "remove-user-no-user"],
];

export async function probeWriteGuards(ctx: CheckContext): Promise<void> {
  for (const [method, id] of WRITES) {
    await runProbe(ctx, id, "400 (or 501 if not implemented)", async () => {
      const outcome = await ctx.call({ method, params: [["server", ctx.options.server]] });
      return judgeGuard(method, outcome);
    });
  }
}

function judgeGuard(method: WriteMethod, outcome: Outcome): Verdict {
  if (outcome.kind === "error" || outcome.status === 401) return commonFailure(outcome);
  const got = describeOutcome(outcome);
  const s = outcome.status;
  if (s === 400) return { status: "pass", got, reason: "refuses a call without user" };
  if (s === 501) return { status: "skip", got, reason: NOT_IMPLEMENTED[method] };
  if (s >= 200 && s < 300) {
    return {
      status: "fail",
      got,
      reason: `${method} without user answered as a success`,
      hint: "the API does not check its input: it may create, change or remove an account nobody named",
    };
  }
  if (s === 404 || s === 405) {
    return {
      status: "fail",
      got,
      reason: `${s}: a method the API does not implement must answer 501`,
      hint: "a server cannot tell this from a wrong URL: users get a server error instead of 'not implemented'",
    };
  }
  if (s >= 500) {
    return {
      status: "fail",
      got,
      reason: `server error ${s} on a call without user, the contract says 400`,
      hint: "a malformed call crashes the API instead of being refused",
    };
  }
  return {
    status: "fail",
    got,
    reason: `status ${s} on a call without user, the contract says 400`,
    hint: "a server cannot tell a malformed call from a refusal: users get a server error",
  };
}
