// SASL negotiation (RFC 6120 §6.4): the exchange of <auth>, <challenge>, <response>, <abort>, the
// failure count and <success>. What a message means is the mechanism's business (sasl-mechanism.ts);
// which mechanisms a host offers is sasl-mechanisms.ts's. A failure is a value: counted, answered.
import { el, type Element } from "../xml/element.ts";
import { NS_SASL } from "../ns.ts";
import { makeJid } from "../jid.ts";
import type { Session } from "./session.ts";
import { decodeSaslData, type SaslFailureCondition } from "./sasl-plain.ts";
import { admitLogin, refusal } from "./sasl-limits.ts";
import type { SaslContext, SaslExchange, SaslStep } from "./sasl-mechanism.ts";

export interface SaslState {
  failures: number;
  /** The exchange in progress (a challenge sent, a <response/> awaited), if any. */
  exchange: SaslExchange | undefined;
  /** The mechanism of the latest <auth/>, for the log. */
  mechanism: string | undefined;
  /** The backend call in flight, aborted if the client leaves (a controller of its own, so an
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
  endExchange(session);
  failure(session, condition, text);
  session.sasl.failures += 1;
  if (session.sasl.failures >= (session.host?.options.sasl_max_failures ?? 3)) {
    session.close("policy-violation", "Too many failed authentication attempts");
  }
}

function endExchange(session: Session): void {
  session.sasl.exchange?.dispose();
  session.sasl.exchange = undefined;
}

export async function handleAuth(session: Session, element: Element): Promise<void> {
  switch (element.localName) {
    case "auth":
      return onAuth(session, element);
    case "response": {
      const exchange = session.sasl.exchange;
      if (exchange === undefined) return failure(session, "malformed-request", "No exchange in progress");
      return advance(session, exchange, element.text());
    }
    case "abort":
      endExchange(session);
      return failure(session, "aborted");
    default:
      return session.close("not-authorized", "Unexpected SASL element");
  }
}

async function onAuth(session: Session, auth: Element): Promise<void> {
  const state = session.featureState();
  const host = session.host;
  if (host === undefined) return session.close("internal-server-error");
  endExchange(session); // a new <auth/> replaces an unfinished exchange (RFC 6120 §6.4.2)
  const all = host.mechanisms;
  const name = auth.attrs.mechanism;
  const mechanism = all.find((m) => m.name === name);
  if (mechanism === undefined || !mechanism.offered(state)) {
    const someOffered = all.some((m) => m.offered(state));
    // RFC 6120 §6.4.5: nothing usable before TLS is encryption-required; an unknown name is not.
    if (mechanism !== undefined) return failed(session, mechanism.refusedAs(state));
    return failed(session, someOffered || state.secure ? "invalid-mechanism" : "encryption-required");
  }
  // A cluster node cut off from Redis past its lease could bind a JID another node holds.
  if (!session.ctx.sessions.acceptingLogins)
    return failed(
      session,
      "temporary-auth-failure",
      "This server is cut off from its cluster; try again later.",
    );
  const plusOffered = all.some((m) => m.name.endsWith("-PLUS") && m.offered(state));
  const exchange = mechanism.start(saslContext(session, state.channelBindings, plusOffered));
  session.sasl.exchange = exchange;
  session.sasl.mechanism = mechanism.name;
  const data = auth.text();
  if (data === "") {
    // RFC 6120 §6.4.2: no initial response; an empty challenge asks for it.
    session.send(el("challenge", { xmlns: NS_SASL }));
    return;
  }
  return advance(session, exchange, data);
}

function saslContext(
  session: Session,
  channelBindings: SaslContext["channelBindings"],
  plusOffered: boolean,
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

async function advance(session: Session, exchange: SaslExchange, data: string): Promise<void> {
  const decoded = decodeSaslData(data);
  if (decoded === undefined) return failed(session, "incorrect-encoding");
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
      session.send(el("challenge", { xmlns: NS_SASL }, ...base64(step.data)));
      return;
    case "failure":
      return failed(session, step.condition, step.text);
    case "success": {
      session.sasl.exchange = undefined;
      session.sasl.call = undefined;
      const jid = makeJid(step.user, session.host?.name ?? "");
      const ms = Math.round(performance.now() - started);
      session.logger.info({ user: jid.toString(), mechanism: session.sasl.mechanism, ms }, "authenticated");
      session.authenticated = true;
      session.jid = jid;
      // RFC 6120 §6.4.6: additional data with success, base64; none is an empty element.
      session.send(el("success", { xmlns: NS_SASL }, ...base64(step.data)));
      session.restartStream();
      return;
    }
  }
}

const base64 = (data: Buffer | undefined): string[] =>
  data === undefined || data.length === 0 ? [] : [data.toString("base64")];
