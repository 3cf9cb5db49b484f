// SASL negotiation (RFC 6120 §6.4): the exchange of <auth>, <challenge>, <response>, <abort>, the
// failure count and <success>. What a message means is the mechanism's business (sasl-mechanism.ts);
// which mechanisms a host offers is sasl-mechanisms.ts's. A failure is a value: counted, answered.
// How outcomes are framed is a profile's: RFC 6120's here, XEP-0388's in sasl2.ts.
import { el, type Element } from "../xml/element.ts";
import { NS_SASL } from "../ns.ts";
import { makeJid, type Jid } from "../jid.ts";
import type { Session } from "./session.ts";
import { decodeSaslData, type SaslFailureCondition } from "./sasl-plain.ts";
import { admitLogin, refusal } from "./sasl-limits.ts";
import type { SaslContext, SaslExchange, SaslMechanism, SaslStep } from "./sasl-mechanism.ts";
import type { Advertised } from "./ssdp.ts";
import type { Sasl2Request } from "./sasl2-inline.ts";

export interface SaslState {
  failures: number;
  /** The exchange in progress (a challenge sent, a <response/> awaited), if any. */
  exchange: SaslExchange | undefined;
  /** The mechanism of the latest <auth/>, for the log. */
  mechanism: string | undefined;
  /** The backend call in flight, aborted if the client leaves (a controller of its own, so an
   * authenticated session keeps none). */
  call: AbortController | undefined;
  /** The profile of the exchange in progress (RFC 6120 or XEP-0388). */
  profile?: SaslProfile | undefined;
  /** XEP-0388: the <authenticate/> in progress, for the inline features at its outcome. */
  sasl2?: Sasl2Request | undefined;
}

/** How one SASL profile frames the outcomes of an exchange on the wire. */
export interface SaslProfile {
  readonly name: string;
  challenge(session: Session, data: Buffer): void;
  failure(session: Session, condition: SaslFailureCondition, text?: string): void;
  /** The session is authenticated as `jid` (bare); say so, with the mechanism's additional data. */
  success(session: Session, jid: Jid, data: Buffer | undefined): Promise<void>;
}

/** RFC 6120 §6.4: <challenge/>, <failure/>, <success/> then a stream restart (§6.4.6). */
export const RFC6120_PROFILE: SaslProfile = {
  name: "sasl1",
  challenge: (session, data) => session.send(el("challenge", { xmlns: NS_SASL }, ...base64(data))),
  failure: (session, condition, text) => {
    const f = el("failure", { xmlns: NS_SASL }, el(condition));
    if (text !== undefined) f.append(el("text", { "xml:lang": "en" }, text));
    session.send(f);
  },
  success: (session, _jid, data) => {
    // RFC 6120 §6.4.6: additional data with success, base64; none is an empty element.
    session.send(el("success", { xmlns: NS_SASL }, ...base64(data)));
    session.restartStream();
    return Promise.resolve();
  },
};

/** Counts a failed attempt; past the limit the connection is closed (Prosody does the same). */
export function failed(
  session: Session,
  profile: SaslProfile,
  condition: SaslFailureCondition,
  text?: string,
): void {
  endExchange(session);
  profile.failure(session, condition, text);
  session.sasl.failures += 1;
  if (session.sasl.failures >= (session.host?.options.sasl_max_failures ?? 3)) {
    session.close("policy-violation", "Too many failed authentication attempts");
  }
}

export function endExchange(session: Session): void {
  session.sasl.exchange?.dispose();
  session.sasl.exchange = undefined;
  session.sasl.profile = undefined;
}

/** What this connection was shown: the list and, as features.ts sends it, XEP-0440's types. */
export function advertisedTo(mechanisms: readonly SaslMechanism[], session: Session): Advertised {
  const state = session.featureState();
  const names = mechanisms.filter((m) => m.offered(state)).map((m) => m.name);
  const listed = names.some((m) => m.endsWith("-PLUS")) && state.channelBindings.length > 0;
  return { mechanisms: names, channelBindings: listed ? state.channelBindings : undefined };
}

export async function handleAuth(session: Session, element: Element): Promise<void> {
  switch (element.localName) {
    case "auth":
      return onAuth(session, element);
    case "response": {
      const exchange = session.sasl.exchange;
      if (exchange === undefined || session.sasl.profile !== RFC6120_PROFILE)
        return RFC6120_PROFILE.failure(session, "malformed-request", "No exchange in progress");
      return advance(session, RFC6120_PROFILE, exchange, element.text());
    }
    case "abort":
      endExchange(session);
      return RFC6120_PROFILE.failure(session, "aborted");
    default:
      return session.close("not-authorized", "Unexpected SASL element");
  }
}

function onAuth(session: Session, auth: Element): Promise<void> {
  return startExchange(session, RFC6120_PROFILE, auth.attrs.mechanism, auth.text());
}

/**
 * Starts an exchange with the named mechanism from the host's list (RFC 6120 §6.4.2, XEP-0388 §2.3),
 * with its initial response (base64; "" for none, "=" for an empty one).
 */
export async function startExchange(
  session: Session,
  profile: SaslProfile,
  name: string | undefined,
  data: string,
  mechanisms?: readonly SaslMechanism[],
): Promise<void> {
  const state = session.featureState();
  const host = session.host;
  if (host === undefined) return session.close("internal-server-error");
  endExchange(session); // a new <auth/> replaces an unfinished exchange (RFC 6120 §6.4.2)
  const all = mechanisms ?? host.mechanisms;
  const mechanism = all.find((m) => m.name === name);
  if (mechanism === undefined || !mechanism.offered(state)) {
    const someOffered = all.some((m) => m.offered(state));
    // RFC 6120 §6.4.5: nothing usable before TLS is encryption-required; an unknown name is not.
    if (mechanism !== undefined) return failed(session, profile, mechanism.refusedAs(state));
    return failed(
      session,
      profile,
      someOffered || state.secure ? "invalid-mechanism" : "encryption-required",
    );
  }
  // A cluster node cut off from Redis past its lease could bind a JID another node holds.
  if (!session.ctx.sessions.acceptingLogins)
    return failed(
      session,
      profile,
      "temporary-auth-failure",
      "This server is cut off from its cluster; try again later.",
    );
  const plusOffered = host.mechanisms.some((m) => m.name.endsWith("-PLUS") && m.offered(state));
  const ctx = saslContext(
    session,
    state.channelBindings,
    plusOffered,
    advertisedTo(host.mechanisms, session),
  );
  const exchange = mechanism.start(ctx);
  session.sasl.exchange = exchange;
  session.sasl.profile = profile;
  session.sasl.mechanism = mechanism.name;
  if (data === "") {
    // RFC 6120 §6.4.2: no initial response; an empty challenge asks for it.
    profile.challenge(session, Buffer.alloc(0));
    return;
  }
  return advance(session, profile, exchange, data);
}

function saslContext(
  session: Session,
  channelBindings: SaslContext["channelBindings"],
  plusOffered: boolean,
  advertised: Advertised,
): SaslContext {
  const host = session.host;
  if (host === undefined) throw new Error("SASL before a host is known");
  const call = new AbortController();
  session.sasl.call = call;
  return {
    host: host.name,
    provider: host.provider,
    logger: session.logger,
    channelBindings,
    plusOffered,
    advertised,
    channelBinding: (type) => session.transport.channelBinding?.(type),
    signal: call.signal,
    admit: async (user) => {
      const admission = await admitLogin(session, user, call.signal);
      if (admission.ok) return { ok: true, ticket: admission.ticket };
      const refused =
        admission.scope === "aborted" ? undefined : await refusal(session, `${user}@${host.name}`, admission);
      return { ok: false, refusal: refused };
    },
  };
}

/** One client message for the exchange in progress (RFC 6120 §6.4.3, XEP-0388 §2.4). */
export async function advance(
  session: Session,
  profile: SaslProfile,
  exchange: SaslExchange,
  data: string,
): Promise<void> {
  const decoded = decodeSaslData(data);
  if (decoded === undefined) return failed(session, profile, "incorrect-encoding");
  const started = performance.now();
  session.transport.pause();
  let step: SaslStep;
  try {
    step = await exchange.step(decoded);
  } finally {
    session.transport.resume();
  }
  if (!session.isOpen) return endExchange(session);
  if (session.sasl.exchange !== exchange) return; // aborted or replaced meanwhile
  switch (step.kind) {
    case "challenge":
      profile.challenge(session, step.data);
      return;
    case "failure":
      return failed(session, profile, step.condition, step.text);
    case "success": {
      session.sasl.exchange = undefined;
      session.sasl.profile = undefined;
      session.sasl.call = undefined;
      const jid = makeJid(step.user, session.host?.name ?? "");
      const ms = Math.round(performance.now() - started);
      session.logger.info(
        { user: jid.toString(), mechanism: session.sasl.mechanism, ms, profile: profile.name },
        "authenticated",
      );
      session.authenticated = true;
      session.jid = jid;
      // mod_limits' unlimited_jids: trusted accounts (bots, bridges) read at full speed once known.
      if (session.host?.options.unlimited_jids.includes(jid.toString())) session.liftInputRate();
      return profile.success(session, jid, step.data);
    }
  }
}

export const base64 = (data: Buffer | undefined): string[] =>
  data === undefined || data.length === 0 ? [] : [data.toString("base64")];
