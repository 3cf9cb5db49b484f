// The write methods, probed without writing. Each gets a POST that names no user (only `server`), with
// Prosody's Content-Type: a service that implements the method should refuse it with 400, one that does
// not answers 501 (or 404/405 without an HTML page). Neither can touch an account, because none is
// named. No server ever sends such a call, so nothing here can FAIL; a success (the API does not check
// its input) or an HTML error page is a WARN. They run with --allow-writes too.
import { readAnswer } from "../auth/http/answers.ts";
import { PROSODY_FORM_CONTENT_TYPE, type Method } from "../auth/http/protocol.ts";
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
    await runProbe(ctx, id, "400, or 501/404 if not implemented", async () => {
      const outcome = await ctx.call({
        method,
        params: [["server", ctx.options.server]],
        contentType: PROSODY_FORM_CONTENT_TYPE,
      });
      return judgeGuard(method, outcome);
    });
  }
}

/**
 * No user-visible step sends a write without `user`, so no answer here breaks one: the worst is a WARN
 * (the API does not check its input, or answers with an error page that looks like a wrong URL).
 */
function judgeGuard(method: WriteMethod, outcome: Outcome): Verdict {
  if (outcome.kind === "error" || outcome.status === 401) return commonFailure(outcome);
  const got = describeOutcome(outcome);
  const s = outcome.status;
  if (s === 400) return { status: "pass", got, reason: "refuses a call without user" };
  const row = readAnswer(method, outcome);
  if (s === 501) return { status: "skip", got, reason: NOT_IMPLEMENTED[method] };
  if (row.ours === "not-implemented") {
    return {
      status: "pass",
      got,
      reason: `${s} (not an HTML page): read as not implemented, or as "no such user"; either is harmless`,
    };
  }
  if (s >= 200 && s < 300) {
    return {
      status: "warn",
      got,
      reason: `${method} without user answered as a success`,
      hint: "the API does not check its input: it may create, change or remove an account nobody named",
    };
  }
  if (s === 404 || s === 405) {
    return {
      status: "warn",
      got,
      reason: `${s} with an HTML page: a framework's error page, as for a wrong URL`,
      hint: `if the API implements ${method}, check its route: xmpp-http-auth reads an HTML ${s} as a backend fault`,
    };
  }
  if (s >= 500) {
    return {
      status: "warn",
      got,
      reason: `server error ${s} on a call without user, the contract says 400`,
      hint: "a malformed call crashes the API instead of being refused",
    };
  }
  return { status: "pass", got, reason: `refuses a call without user (${s}; the contract says 400)` };
}
