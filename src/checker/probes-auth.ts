// http_auth_credentials: when the operator configured them, a request without them or with wrong ones
// must be refused, or the API is an open password oracle. When none were given to the checker, say
// that the API is open (fine on loopback, not on a network), or that it wants credentials after all.
import type { CheckContext } from "./context.ts";
import type { Outcome } from "./http-client.ts";
import { describeOutcome, type Verdict } from "./judge.ts";
import { runProbe, skipProbe, standardParams } from "./run-probe.ts";

const ORACLE = "anyone who can reach your API can test passwords";

function judgeRefusal(outcome: Outcome, what: string): Verdict {
  const got = describeOutcome(outcome);
  if (outcome.kind === "error") {
    return {
      status: "fail",
      got,
      reason: `no answer to a request ${what}`,
      hint: "an API that hangs or drops such requests holds up whoever sent them",
    };
  }
  if (outcome.status === 401) {
    if (!/^\s*basic\b/i.test(outcome.wwwAuthenticate ?? "")) {
      return {
        status: "warn",
        got,
        reason: "401 without WWW-Authenticate: Basic (the contract and RFC 9110 §11.6.1 ask for it)",
        hint: "Prosody does not mind; generic HTTP clients and proxies may not know how to authenticate",
      };
    }
    return { status: "pass", got, reason: `refused a request ${what}` };
  }
  if (outcome.status >= 200 && outcome.status < 300) {
    return { status: "fail", got, reason: `answered a request ${what}`, hint: ORACLE };
  }
  return {
    status: "warn",
    got,
    reason: `refused with ${outcome.status}, the contract says 401 with WWW-Authenticate: Basic`,
    hint: "the API is closed, but clients cannot tell a refused credential from other errors",
  };
}

/** Runs after `reachable`, whose answer tells whether an API with no --credentials wants some. */
export async function probeAuthRequired(ctx: CheckContext, first: Outcome): Promise<void> {
  const id = "auth-required";
  if (ctx.options.credentials === undefined) {
    const expected = "no credentials given: an open API";
    await runProbe(ctx, id, expected, () => Promise.resolve(judgeOpen(first)));
    return;
  }
  await runProbe(ctx, id, "401 without Authorization", async () => {
    const outcome = await ctx.call({
      method: "user_exists",
      params: standardParams(ctx, ctx.absentUser),
      auth: "none",
    });
    return judgeRefusal(outcome, "without Authorization");
  });
}

function judgeOpen(first: Outcome): Verdict {
  const got = describeOutcome(first);
  if (first.kind === "answer" && first.status === 401) {
    return {
      status: "fail",
      got,
      reason: "the API wants credentials: configure http_auth_credentials and pass --credentials",
      hint: "Prosody without http_auth_credentials gets 401 on every call: nobody can log in",
    };
  }
  return {
    status: "warn",
    got,
    reason: "no --credentials given and the API answers without any",
    hint: `fine on loopback or a private network; otherwise ${ORACLE}`,
  };
}

export async function probeAuthWrongRejected(ctx: CheckContext): Promise<void> {
  const id = "auth-wrong-rejected";
  const expected = "401 with wrong credentials";
  if (ctx.options.credentials === undefined)
    return void skipProbe(ctx, id, expected, "no --credentials given");
  await runProbe(ctx, id, expected, async () => {
    const outcome = await ctx.call({
      method: "user_exists",
      params: standardParams(ctx, ctx.absentUser),
      auth: "wrong",
    });
    return judgeRefusal(outcome, "with wrong credentials");
  });
}
