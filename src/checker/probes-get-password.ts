// get_password, MongooseIM's optional extension (docs/http-auth-protocol.md): what http_auth_scram
// would get. SCRAM credentials in MongooseIM's serialisation pass; a plaintext password fails (we never
// accept one, and an API should not hand it out); 501, or 404 for a known account, is "not
// implemented": skipped, with what that means. Prosody never asks, so it is skipped for Prosody.
// The body is a credential: it is never shown, only what it is.
import { parseSerialized, type ScramCredentials } from "../auth/scram.ts";
import type { CheckContext } from "./context.ts";
import type { Outcome } from "./http-client.ts";
import { formatMs } from "./http-client.ts";
import { commonFailure, statusReason, type Verdict } from "./judge.ts";
import { runProbe, skipProbe, standardParams } from "./run-probe.ts";

export const GET_PASSWORD: ReadonlyArray<readonly [string, string]> = [
  ["get-password-known", "200 SCRAM credentials, or 501 if not implemented"],
  ["get-password-unknown", "404 for no such user"],
];

const PROSODY_SKIP = { status: "skip", hint: "Prosody's mod_auth_http never calls get_password" } as const;
const NOT_IMPLEMENTED = "get_password not implemented: keep http_auth_scram off (PLAIN only)";
/** RFC 7677 §4 and RFC 5802 §5.1: at least 4096 iterations. */
const MIN_ITERATIONS = 4096;

/** Only ours is judged; Prosody is skipped whatever the answer. */
function ours(v: Verdict): Verdict {
  const mine = v.hint === undefined ? { status: v.status } : { status: v.status, hint: v.hint };
  return { ...v, targets: { prosody: PROSODY_SKIP, "xmpp-http-auth": mine } };
}

function describeCredentials(c: ScramCredentials): string {
  const hashes = [c.keys.sha1 && "SHA-1", c.keys.sha256 && "SHA-256"].filter(Boolean).join(", ");
  return `SCRAM credentials (${hashes}), ${c.iterations} iterations`;
}

const shown = (o: Outcome & { kind: "answer" }, what: string): string =>
  `${o.status} ${what} (${formatMs(o.ms)})`;

function judgeKnown(ctx: CheckContext, outcome: Outcome): Verdict {
  if (outcome.kind === "error" || outcome.status === 401) return ours(commonFailure(outcome));
  const s = outcome.status;
  if (s === 501 || (s === 404 && ctx.options.user !== undefined))
    return ours({ status: "skip", got: shown(outcome, "(not implemented)"), reason: NOT_IMPLEMENTED });
  if (s !== 200)
    return ours({
      status: "fail",
      got: shown(outcome, "(body not shown)"),
      reason: statusReason(outcome, "200 with SCRAM credentials or 501"),
      hint: "with http_auth_scram on, every SCRAM login would be a temporary failure",
    });
  const credentials = parseSerialized(outcome.body);
  if (credentials === undefined) {
    const plaintext = ctx.options.password !== undefined && outcome.body.trim() === ctx.options.password;
    return ours({
      status: "fail",
      got: shown(outcome, plaintext ? "(a plaintext password, not shown)" : "(not SCRAM, not shown)"),
      reason: plaintext
        ? "the API hands out the plaintext password: we never accept plaintext"
        : "not SCRAM credentials in MongooseIM's serialisation (==MULTI_SCRAM== or ==SCRAM==)",
      hint: "with http_auth_scram on, every SCRAM login would be refused (temporary-auth-failure)",
    });
  }
  const got = shown(outcome, describeCredentials(credentials));
  if (credentials.iterations < MIN_ITERATIONS)
    return ours({
      status: "warn",
      got,
      reason: `${credentials.iterations} iterations, fewer than the ${MIN_ITERATIONS} RFC 7677 asks for`,
      hint: "a stolen credential is cheaper to brute-force",
    });
  if (credentials.keys.sha256 === undefined)
    return ours({
      status: "warn",
      got,
      reason: "SHA-1 only (the legacy ==SCRAM== form, or no ==SHA256== part)",
      hint: "SCRAM-SHA-256 logins fail like a wrong password; clients fall back to SCRAM-SHA-1 only if they try",
    });
  return ours({ status: "pass", got, reason: "SCRAM credentials in MongooseIM's serialisation" });
}

function judgeUnknown(outcome: Outcome): Verdict {
  if (outcome.kind === "error" || outcome.status === 401) return ours(commonFailure(outcome));
  const s = outcome.status;
  if (s === 404) return ours({ status: "pass", got: shown(outcome, ""), reason: "no such user" });
  if (s === 501) return ours({ status: "skip", got: shown(outcome, ""), reason: NOT_IMPLEMENTED });
  return ours({
    status: "fail",
    got: shown(outcome, "(body not shown)"),
    reason: statusReason(outcome, "404 for an account that does not exist"),
    hint: "a login with an unknown name would be a temporary failure instead of not-authorized",
  });
}

export async function probeGetPassword(ctx: CheckContext): Promise<void> {
  const [[knownId, knownExpected], [unknownId, unknownExpected]] = GET_PASSWORD as [
    readonly [string, string],
    readonly [string, string],
  ];
  let implemented = true;
  if (ctx.options.user === undefined) {
    skipProbe(ctx, knownId, knownExpected, "needs a known account: pass --user");
  } else {
    const user = ctx.options.user;
    const v = await runProbe(ctx, knownId, knownExpected, async () =>
      judgeKnown(ctx, await ctx.call({ method: "get_password", params: standardParams(ctx, user) })),
    );
    implemented = !(v.status === "skip");
  }
  if (!implemented) return void skipProbe(ctx, unknownId, unknownExpected, NOT_IMPLEMENTED);
  await runProbe(ctx, unknownId, unknownExpected, async () =>
    judgeUnknown(await ctx.call({ method: "get_password", params: standardParams(ctx, ctx.absentUser) })),
  );
}
