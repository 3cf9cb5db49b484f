// The shape every probe shares: announce the id (progress), run, record exactly one result.
import type { CheckContext } from "./context.ts";
import type { Pairs } from "./http-client.ts";
import { TARGETS } from "../auth/http/answers.ts";
import type { Verdict } from "./judge.ts";
import { worstOf, type ProbeResult, type Target, type TargetVerdict } from "./types.ts";

export async function runProbe(
  ctx: CheckContext,
  id: string,
  expected: string,
  body: () => Promise<Verdict>,
): Promise<Verdict> {
  ctx.options.onProgress?.(id);
  const verdict = await body();
  ctx.record(resultOf(ctx.options.targets, id, expected, verdict));
  return verdict;
}

/**
 * A verdict with no per-target part says the same for both servers; one with targets gets its overall
 * status (and, when every asked-for target agrees, its hint) from the targets asked for.
 */
export function resultOf(
  asked: readonly Target[] | undefined,
  id: string,
  expected: string,
  verdict: Verdict,
): ProbeResult {
  const same: TargetVerdict =
    verdict.hint === undefined ? { status: verdict.status } : { status: verdict.status, hint: verdict.hint };
  const targets = verdict.targets ?? { prosody: same, "xmpp-http-auth": same };
  const chosen = (asked === undefined || asked.length === 0 ? TARGETS : asked).map((t) => targets[t]);
  const status = verdict.targets === undefined ? verdict.status : worstOf(chosen.map((t) => t.status));
  const hints = [...new Set(chosen.filter((t) => t.hint !== undefined).map((t) => t.hint))];
  const hint = hints.length === 1 ? hints[0] : verdict.hint;
  const { targets: _ignored, ...rest } = verdict;
  return {
    id,
    expected,
    ...rest,
    status,
    ...(hint === undefined ? {} : { hint }),
    targets,
  };
}

export function skipProbe(ctx: CheckContext, id: string, expected: string, reason: string): Verdict {
  const verdict: Verdict = { status: "skip", got: "-", reason };
  ctx.record(resultOf(ctx.options.targets, id, expected, verdict));
  return verdict;
}

/** Parameters in the order Prosody sent them in the recordings: user, pass, server. */
export function standardParams(ctx: CheckContext, user: string | undefined, pass?: string): Pairs {
  const pairs: Array<readonly [string, string]> = [];
  if (user !== undefined) pairs.push(["user", user]);
  if (pass !== undefined) pairs.push(["pass", pass]);
  pairs.push(["server", ctx.options.server]);
  return pairs;
}
