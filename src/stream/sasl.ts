// SASL negotiation (RFC 6120 §6.4) with PLAIN (RFC 4616) checked through the host's auth provider.
// Wrong password → not-authorized; a backend that cannot answer → temporary-auth-failure (§6.5.11).
import { el, type Element } from "../xml/element.ts";
import { NS_SASL } from "../ns.ts";
import { makeJid, tryParseJid } from "../jid.ts";
import type { Session } from "./session.ts";
import { decodeSaslData, parsePlain, type SaslFailureCondition } from "./sasl-plain.ts";
import { plainAllowed } from "./features.ts";
import { admitLogin, refusal, settle } from "./sasl-limits.ts";

export interface SaslState {
  failures: number;
  /** PLAIN sent without an initial response: we sent an empty challenge and await <response/>. */
  pending: boolean;
  /** The password check in flight, aborted if the client leaves (a controller of its own, so an
   * authenticated session keeps none). */
  call: AbortController | undefined;
}

function failure(session: Session, condition: SaslFailureCondition, text?: string): void {
  const f = el("failure", { xmlns: NS_SASL }, el(condition));
  if (text !== undefined) f.append(el("text", { "xml:lang": "en" }, text));
  session.send(f);
}

/** Counts a failed attempt; past the limit the connection is closed (Prosody does the same). */
function failed(session: Session, condition: SaslFailureCondition, text?: string): void {
  failure(session, condition, text);
  session.sasl.failures += 1;
  if (session.sasl.failures >= (session.host?.options.sasl_max_failures ?? 3)) {
    session.close("policy-violation", "Too many failed authentication attempts");
  }
}

export async function handleAuth(session: Session, element: Element): Promise<void> {
  switch (element.localName) {
    case "auth":
      return onAuth(session, element);
    case "response":
      if (!session.sasl.pending) return failure(session, "malformed-request", "No exchange in progress");
      session.sasl.pending = false;
      return checkPlain(session, element.text());
    case "abort":
      session.sasl.pending = false;
      return failure(session, "aborted");
    default:
      return session.close("not-authorized", "Unexpected SASL element");
  }
}

async function onAuth(session: Session, auth: Element): Promise<void> {
  const state = session.featureState();
  if (!plainAllowed(state)) {
    // RFC 6120 §6.4.5: encryption is required before this mechanism can be used.
    return failed(session, state.secure ? "invalid-mechanism" : "encryption-required");
  }
  if (auth.attrs.mechanism !== "PLAIN") return failed(session, "invalid-mechanism");
  // A cluster node cut off from Redis past its lease could bind a JID another node holds.
  if (!session.ctx.sessions.acceptingLogins)
    return failed(
      session,
      "temporary-auth-failure",
      "This server is cut off from its cluster; try again later.",
    );
  const data = auth.text();
  if (data === "") {
    // RFC 6120 §6.4.2: no initial response; an empty challenge asks for it.
    session.sasl.pending = true;
    session.send(el("challenge", { xmlns: NS_SASL }));
    return;
  }
  return checkPlain(session, data);
}

async function checkPlain(session: Session, data: string): Promise<void> {
  const host = session.host;
  if (host === undefined) return session.close("internal-server-error");
  const decoded = decodeSaslData(data);
  if (decoded === undefined) return failed(session, "incorrect-encoding");
  const parsed = parsePlain(decoded);
  if (!parsed.ok) {
    // Debug only, without the name: anyone can send these, and a log line each would be a flood.
    session.logger.debug({ condition: parsed.condition }, "authentication failed: unusable PLAIN message");
    return failed(session, parsed.condition, parsed.text);
  }
  const jid = makeJid(parsed.user, host.name);
  // RFC 6120 §6.3.8: we only let a user act as themselves, compared as prepared addresses.
  if (parsed.authzid !== undefined && !(tryParseJid(parsed.authzid)?.equals(jid) ?? false))
    return failed(session, "invalid-authzid");

  session.transport.pause();
  const call = new AbortController();
  session.sasl.call = call;
  // Failed-login limits across connections; a wait here means checks in flight hold the budget.
  const admission = await admitLogin(session, parsed.user, call.signal);
  if (!admission.ok) {
    const refused =
      admission.scope === "aborted" ? undefined : await refusal(session, jid.toString(), admission);
    session.sasl.call = undefined;
    session.transport.resume();
    if (!session.isOpen || refused === undefined) return;
    return failed(session, refused.condition, refused.text);
  }
  const started = performance.now();
  const result = await host.provider
    .checkPassword(parsed.user, parsed.password, { signal: call.signal })
    .catch((err: unknown) => {
      admission.ticket.release(); // a provider bug must not hold the slot for ever
      throw err;
    });
  settle(admission.ticket, result.outcome);
  session.sasl.call = undefined;
  session.transport.resume();
  if (!session.isOpen) return;
  const ms = Math.round(performance.now() - started);
  switch (result.outcome) {
    case "ok":
      session.logger.info({ user: jid.toString(), ms }, "authenticated");
      session.authenticated = true;
      session.jid = jid;
      session.send(el("success", { xmlns: NS_SASL }));
      session.restartStream();
      return;
    case "false":
      session.logger.info({ user: jid.toString(), ms }, "authentication failed: wrong credentials");
      return failed(session, "not-authorized");
    default:
      session.logger.warn(
        { user: jid.toString(), reason: result.reason, status: result.status, ms },
        "auth backend unavailable",
      );
      return failed(
        session,
        "temporary-auth-failure",
        "The account service is unavailable; try again later.",
      );
  }
}
