// The shape every probe shares: announce the id (progress), run, record exactly one result.
import type { CheckContext } from "./context.ts";
import type { Pairs } from "./http-client.ts";
import type { Verdict } from "./judge.ts";

export async function runProbe(
  ctx: CheckContext,
  id: string,
  expected: string,
  body: () => Promise<Verdict>,
): Promise<Verdict> {
  ctx.options.onProgress?.(id);
  const verdict = await body();
  ctx.record({ id, expected, ...verdict });
  return verdict;
}

export function skipProbe(ctx: CheckContext, id: string, expected: string, reason: string): Verdict {
  const verdict: Verdict = { status: "skip", got: "-", reason };
  ctx.record({ id, expected, ...verdict });
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
