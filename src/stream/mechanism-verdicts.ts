// The failures every password mechanism ends with, logged the same way whatever the mechanism
// (docs/security.md's fail2ban filter and the operators' alerts read these lines).
import type { BackendFailure } from "../auth/provider.ts";
import type { SaslContext, SaslStep } from "./sasl-mechanism.ts";

export function wrongCredentials(ctx: SaslContext, user: string, ms: number): SaslStep {
  ctx.logger.info({ user, ms }, "authentication failed: wrong credentials");
  return { kind: "failure", condition: "not-authorized" };
}

export function backendFailed(
  ctx: SaslContext,
  user: string,
  result: Pick<BackendFailure, "reason" | "status">,
  ms: number,
): SaslStep {
  ctx.logger.warn({ user, reason: result.reason, status: result.status, ms }, "auth backend unavailable");
  return {
    kind: "failure",
    condition: "temporary-auth-failure",
    text: "The account service is unavailable; try again later.",
  };
}
