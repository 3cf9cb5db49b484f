// One conformance run: the probes in a fixed order, each recording one result. The first call decides
// whether the rest can say anything: an API that does not answer, or refuses the credentials, gets
// one clear failure and the other probes are listed as not run rather than failing one by one.
import { TARGETS } from "../auth/http/answers.ts";
import { baseUrlFor } from "../auth/http/protocol.ts";
import { createContext, type CheckContext } from "./context.ts";
import { probeAuthRequired, probeAuthWrongRejected } from "./probes-auth.ts";
import {
  probeCheckPasswordGood,
  probeCheckPasswordWrong,
  probeReachable,
  probeUserExistsKnown,
  probeUserExistsUnknown,
} from "./probes-basic.ts";
import { LIFECYCLE, probeLifecycle } from "./probes-lifecycle.ts";
import { probeCheckPasswordReserved, probeParamOrder } from "./probes-params.ts";
import { probeBooleanBody, probeContentLength, probeResponseTime } from "./probes-wire.ts";
import { probeWriteGuards } from "./probes-write-guards.ts";
import { GET_PASSWORD, probeGetPassword } from "./probes-get-password.ts";
import { skipProbe } from "./run-probe.ts";
import {
  countResults,
  summarizeTargets,
  type CheckOptions,
  type CheckReport,
  type TargetVerdict,
} from "./types.ts";

/** Every probe id in run order (`cleanup` appears only when a throwaway account could not be removed). */
export const PROBE_IDS: ReadonlyArray<readonly [string, string]> = [
  ["reachable", "an HTTP answer within the timeout"],
  ["auth-required", "401 without Authorization"],
  ["auth-wrong-rejected", "401 with wrong credentials"],
  ["check-password-good", "200 true"],
  ["check-password-wrong", "false (200, or a 4xx)"],
  ["check-password-reserved", "false (reserved + UTF-8 password)"],
  ["user-exists-known", "200 true"],
  ["user-exists-unknown", "false (200, or a 4xx)"],
  ["param-order", "same answer in another order"],
  ...GET_PASSWORD,
  ["register-no-user", "400, or 501/404 if not implemented"],
  ["set-password-no-user", "400, or 501/404 if not implemented"],
  ["remove-user-no-user", "400, or 501/404 if not implemented"],
  ...LIFECYCLE,
  ["boolean-body", 'exactly "true" or "false"'],
  ["content-length", "Content-Length on every answer"],
  ["response-time", "every answer in time"],
];

function skipRest(ctx: CheckContext, reason: string): void {
  const done = new Set(ctx.results.map((r) => r.id));
  for (const [id, expected] of PROBE_IDS) if (!done.has(id)) skipProbe(ctx, id, expected, reason);
}

async function runAll(ctx: CheckContext): Promise<void> {
  const first = await probeReachable(ctx);
  if (first.kind === "error") return skipRest(ctx, "not run: the API did not answer (see reachable)");
  if (first.status === 404 && first.body !== "false")
    return skipRest(ctx, "not run: nothing at this URL (see reachable)");
  if (first.status === 401 && ctx.options.credentials !== undefined) {
    return skipRest(ctx, "not run: the API refused the credentials (see reachable)");
  }
  await probeAuthRequired(ctx, first);
  if (first.status === 401) return skipRest(ctx, "not run: the API wants credentials (see auth-required)");
  await probeAuthWrongRejected(ctx);
  await probeCheckPasswordGood(ctx);
  await probeCheckPasswordWrong(ctx);
  await probeCheckPasswordReserved(ctx);
  await probeUserExistsKnown(ctx);
  await probeUserExistsUnknown(ctx);
  await probeParamOrder(ctx);
  await probeGetPassword(ctx);
  await probeWriteGuards(ctx);
  await probeLifecycle(ctx);
  await probeBooleanBody(ctx);
  await probeContentLength(ctx);
  await probeResponseTime(ctx);
}

export async function runCheck(options: CheckOptions): Promise<CheckReport> {
  const base = baseUrlFor(options.url, options.server);
  const ctx = createContext(options, base);
  try {
    await runAll(ctx);
  } finally {
    await ctx.close();
  }
  // Scrubbed here, once, so no caller (table, JSON, a library user) ever holds a secret.
  const redact = ctx.redact;
  const redactTarget = (t: TargetVerdict): TargetVerdict =>
    t.hint === undefined ? t : { ...t, hint: redact(t.hint) };
  const results = ctx.results.map((r) => ({
    ...r,
    got: redact(r.got),
    reason: redact(r.reason),
    ...(r.hint === undefined ? {} : { hint: redact(r.hint) }),
    targets: {
      prosody: redactTarget(r.targets.prosody),
      "xmpp-http-auth": redactTarget(r.targets["xmpp-http-auth"]),
    },
  }));
  const targets = options.targets === undefined || options.targets.length === 0 ? TARGETS : options.targets;
  return {
    url: redact(base),
    server: options.server,
    mode: options.allowWrites ? "allow-writes" : "read-only",
    results,
    counts: countResults(results),
    targets: summarizeTargets(results, targets),
    insecure: options.insecure === true,
  };
}
