// SASL PLAIN (RFC 4616) as a mechanism module: one message, checked with the provider's
// check_password. Wrong password → not-authorized; backend trouble → temporary-auth-failure.
import { makeJid, tryParseJid } from "../jid.ts";
import { plainAllowed } from "./features.ts";
import { parsePlain } from "./sasl-plain.ts";
import { settle } from "./sasl-limits.ts";
import type { SaslContext, SaslExchange, SaslMechanism, SaslStep } from "./sasl-mechanism.ts";
import { backendFailed, wrongCredentials } from "./mechanism-verdicts.ts";

export function plainMechanism(): SaslMechanism {
  return {
    name: "PLAIN",
    offered: plainAllowed,
    // RFC 6120 §6.4.5: encryption is required before this mechanism can be used.
    refusedAs: (state) => (state.secure ? "invalid-mechanism" : "encryption-required"),
    start: (ctx) => plainExchange(ctx),
  };
}

function plainExchange(ctx: SaslContext): SaslExchange {
  return { step: (message) => checkPlain(ctx, message), dispose: () => undefined };
}

async function checkPlain(ctx: SaslContext, message: Buffer): Promise<SaslStep> {
  const parsed = parsePlain(message);
  if (!parsed.ok) {
    // Debug only, without the name: anyone can send these, and a log line each would be a flood.
    ctx.logger.debug({ condition: parsed.condition }, "authentication failed: unusable PLAIN message");
    return parsed.text === undefined
      ? { kind: "failure", condition: parsed.condition }
      : { kind: "failure", condition: parsed.condition, text: parsed.text };
  }
  const jid = makeJid(parsed.user, ctx.host);
  // RFC 6120 §6.3.8: we only let a user act as themselves, compared as prepared addresses.
  if (parsed.authzid !== undefined && !(tryParseJid(parsed.authzid)?.equals(jid) ?? false))
    return { kind: "failure", condition: "invalid-authzid" };

  // Failed-login limits across connections; a wait here means checks in flight hold the budget.
  const admission = await ctx.admit(parsed.user);
  if (!admission.ok) return { kind: "failure", ...(admission.refusal ?? { condition: "aborted" }) };
  const started = performance.now();
  const result = await ctx.provider
    .checkPassword(parsed.user, parsed.password, { signal: ctx.signal })
    .catch((err: unknown) => {
      admission.ticket.release(); // a provider bug must not hold the slot for ever
      throw err;
    });
  settle(admission.ticket, result.outcome);
  const ms = Math.round(performance.now() - started);
  switch (result.outcome) {
    case "ok":
      return { kind: "success", user: parsed.user };
    case "false":
      return wrongCredentials(ctx, jid.toString(), ms);
    default:
      return backendFailed(ctx, jid.toString(), result, ms);
  }
}
