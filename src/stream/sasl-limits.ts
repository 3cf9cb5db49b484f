// The login limits' part in SASL (RFC 6120 §6.4): admit a password check, or refuse it with a
// condition that says who is limited, and log a line an operator can feed to fail2ban.
import { setTimeout as sleep } from "node:timers/promises";
import { limitKey } from "../limits/client-address.ts";
import type { Admission, LoginTicket } from "../limits/login-limiter.ts";
import type { SaslFailureCondition } from "./sasl-plain.ts";
import type { Session } from "./session.ts";

export type Refusal = { readonly condition: SaslFailureCondition; readonly text: string };

/** Waits for the limits to admit a check of `user`'s password from this session's client. */
export function admitLogin(session: Session, user: string, signal: AbortSignal): Promise<Admission> {
  const host = session.host?.name ?? "";
  return session.ctx.loginLimiter.admit(limitKey(session.transport.remoteAddress), `${user}@${host}`, signal);
}

/**
 * A refused attempt: logged (the "login limit reached" line of docs/security.md's fail2ban filter),
 * held for limit_auth_tarpit_delay, then answered. The address limit is a temporary failure (come back
 * later); the account limit is account-disabled (RFC 6120 §6.5.1: temporarily disabled), so the
 * account's owner learns why a right password is refused.
 */
export async function refusal(
  session: Session,
  user: string,
  admission: Extract<Admission, { ok: false; scope: "ip" | "account" }>,
): Promise<Refusal> {
  const seconds = Math.max(1, Math.ceil(admission.retryAfterMs / 1000));
  session.logger.warn({ user, limit: admission.scope, retry_after: seconds }, "login limit reached");
  const delay = session.ctx.global.limit_auth_tarpit_delay;
  if (delay > 0) await sleep(delay * 1000, undefined, { ref: false });
  return admission.scope === "ip"
    ? {
        condition: "temporary-auth-failure",
        text: `Too many failed logins from your address; try again in ${seconds} s.`,
      }
    : {
        condition: "account-disabled",
        text: `Too many failed logins for this account; it is locked for ${seconds} s except from addresses it was used from.`,
      };
}

/** Tells the limits what the check found: only a definite "false" counts as a failure. */
export function settle(ticket: LoginTicket, outcome: string): void {
  if (outcome === "ok") ticket.succeeded();
  else if (outcome === "false") ticket.failed();
  else ticket.release();
}
