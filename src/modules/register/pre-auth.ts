// XEP-0077 §3.1 (registration with a server) and §8 (the stream feature), before authentication.
// Each account is created by the HTTP API: user_exists first, then register (as Prosody does).
import { el, type Element } from "../../xml/element.ts";
import { NS_REGISTER, NS_REGISTER_FEATURE } from "../../ns.ts";
import type { HostContext, ServerContext } from "../../server-context.ts";
import type { Session } from "../../stream/session.ts";
import type { IqContext } from "../../router/iq-registry.ts";
import { plainAllowed } from "../../stream/features.ts";
import { errorReply, iqResult } from "../../stanza/errors.ts";
import { makeJid } from "../../jid.ts";
import { registrationForm } from "./form.ts";
import { preparePassword, prepareUsername, readFields } from "./submission.ts";
import { backendErrorReply, logBackendFailure, writeFailureReply } from "./outcomes.ts";
import type { RegistrationThrottle } from "./throttle.ts";

export interface PreAuthDeps {
  readonly ctx: ServerContext;
  /** The registration throttle of a host. */
  readonly throttleFor: (host: HostContext) => RegistrationThrottle;
}

function enabled(host: HostContext | undefined): host is HostContext {
  return host !== undefined && host.options.allow_registration && host.provider.capabilities.register;
}

/**
 * A password may only be sent where SASL PLAIN could be: on an encrypted stream, or with both
 * insecure opt-ins (c2s_require_encryption = false and allow_unencrypted_plain_auth = true).
 */
function passwordsMayCross(session: Session): boolean {
  return plainAllowed(session.featureState());
}

/** The refusal that comes before looking at the request, if any. */
function refusal(session: Session, iq: Element): Element | undefined {
  // XEP-0077 §3.1: a host without in-band registration answers service-unavailable.
  if (!enabled(session.host)) return errorReply(iq, "service-unavailable");
  if (!passwordsMayCross(session))
    return errorReply(iq, "not-allowed", { text: "Encryption is required: use STARTTLS first" });
  return undefined;
}

async function register(deps: PreAuthDeps, { session, iq, payload }: IqContext): Promise<Element> {
  const refused = refusal(session, iq);
  if (refused !== undefined) return refused;
  const host = session.host as HostContext;
  // XEP-0077 §3.2 cancels an existing registration: that needs a logged-in account.
  if (payload.getChild("remove") !== undefined)
    return errorReply(iq, "not-authorized", { text: "Log in to remove an account" });
  const fields = readFields(payload);
  if (fields === undefined) return errorReply(iq, "bad-request", { text: "Malformed registration form" });
  // XEP-0077 §3.1: missing or unusable information is not-acceptable, decided before any HTTP call.
  const user = prepareUsername(fields.username);
  if (!user.ok) return errorReply(iq, "not-acceptable", { text: user.text });
  const password = preparePassword(fields.password);
  if (!password.ok) return errorReply(iq, "not-acceptable", { text: password.text });

  // Every attempt that would reach the API counts, taken or not, so the limit also slows probing.
  if (!deps.throttleFor(host).take(session.transport.remoteAddress)) {
    session.logger.info("registration throttled");
    return errorReply(iq, "resource-constraint", {
      type: "wait",
      text: "Too many registrations from your address; try again later.",
    });
  }

  const jid = makeJid(user.value, host.name).toString();
  const signal = session.abort.signal;
  const exists = await host.provider.userExists(user.value, { signal });
  if (exists.outcome === "ok") return errorReply(iq, "conflict", { text: "The username is already taken" });
  if (exists.outcome !== "false") {
    logBackendFailure(session, "user_exists", exists);
    return backendErrorReply(iq);
  }
  const created = await host.provider.register(user.value, password.value, { signal });
  if (created.outcome !== "ok") {
    session.logger.info({ user: jid, outcome: created.outcome }, "registration refused");
    return writeFailureReply(session, "register", iq, created);
  }
  session.logger.info({ user: jid }, "account registered");
  return iqResult(iq);
}

export function registerPreAuth(deps: PreAuthDeps): void {
  const { ctx } = deps;
  // XEP-0077 §8: advertised only where the client could go on to use it.
  ctx.preAuthFeatures.push((session) =>
    enabled(session.host) && passwordsMayCross(session)
      ? el("register", { xmlns: NS_REGISTER_FEATURE })
      : undefined,
  );
  ctx.preAuthIq.on("get", NS_REGISTER, "query", ({ session, iq }) => {
    return refusal(session, iq) ?? iqResult(iq, registrationForm());
  });
  ctx.preAuthIq.on("set", NS_REGISTER, "query", (iqCtx) => register(deps, iqCtx));
}
