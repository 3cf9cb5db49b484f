// XEP-0388 (Extensible SASL Profile, urn:xmpp:sasl:2): the <authentication/> feature (§2.1),
// <authenticate/> with <user-agent/> (§2.3), <challenge/>/<response/> (§2.5), <abort/> and the
// outcomes (§2.6): <success/> with the authorization identifier and the inline features' results,
// then the new stream features without a restart; <failure/> with an RFC 6120 §6.5 condition.
// The exchange itself, its limits and failure count are sasl.ts's, the same as RFC 6120 SASL's.
import { createHash } from "node:crypto";
import { el, type Element } from "../xml/element.ts";
import { NS_ROSTER_VER, NS_SASL, NS_SASL2 } from "../ns.ts";
import type { Jid } from "../jid.ts";
import type { Session } from "./session.ts";
import type { SaslFailureCondition } from "./sasl-plain.ts";
import { advance, base64, endExchange, failed, startExchange, type SaslProfile } from "./sasl.ts";
import { streamFeatures } from "./features.ts";
import { announceBound } from "./bind.ts";
import type { Sasl2Request } from "./sasl2-inline.ts";

/** Bounds on what a client tells of itself (XEP-0388 §2.3 <user-agent/>), which we keep and hash. */
const MAX_AGENT_ID = 256;
const MAX_AGENT_TEXT = 256;

/** A stable, non-reversible name of the client for storage keys: the user-agent id is not kept. */
export function agentKey(userAgentId: string): string {
  return createHash("sha256").update(userAgentId, "utf8").digest("base64");
}

/** §2.1: <authentication/> with the mechanisms (as in <mechanisms/>) and the inline features. */
export function authenticationFeature(session: Session): Element | undefined {
  const host = session.host;
  if (host === undefined || !host.options.c2s_sasl2 || session.authenticated) return undefined;
  const state = session.featureState();
  const names = host.mechanisms.filter((m) => m.offered(state)).map((m) => m.name);
  const inline = session.ctx.inline.sasl2Features.flatMap((f) => f.advertise(session) ?? []);
  if (names.length === 0) return undefined;
  return el(
    "authentication",
    { xmlns: NS_SASL2 },
    ...names.map((n) => el("mechanism", {}, n)),
    ...(inline.length > 0 ? [el("inline", {}, ...inline)] : []),
  );
}

/** A child of `parent` in `ns`, whether it says so or inherits it. */
export function childIn(parent: Element, name: string, ns: string): Element | undefined {
  return parent.elements.find((c) => c.localName === name && (c.xmlns ?? parent.xmlns) === ns);
}

const SASL2_PROFILE: SaslProfile = {
  name: "sasl2",
  challenge: (session, data) => session.send(el("challenge", { xmlns: NS_SASL2 }, ...base64(data))),
  failure: (session, condition: SaslFailureCondition, text) => {
    session.sasl.sasl2 = undefined;
    // §2.6.2: an RFC 6120 §6.5 condition (in its own namespace) and an optional text.
    const f = el("failure", { xmlns: NS_SASL2 }, el(condition, { xmlns: NS_SASL }));
    if (text !== undefined) f.append(el("text", {}, text));
    session.send(f);
  },
  success: (session, jid, data) => succeed(session, jid, data),
};

async function succeed(session: Session, jid: Jid, data: Buffer | undefined): Promise<void> {
  const request = session.sasl.sasl2;
  session.sasl.sasl2 = undefined;
  const extra: Element[] = [];
  const after: (() => void)[] = [];
  let bound = false;
  // The session that answers: this one, or a resumed one that took the connection over (XEP-0198).
  let target = session;
  let resumed = false;
  if (request !== undefined) {
    // XEP-0386 §2.2: inline requests are processed after authentication, before <success/>.
    for (const feature of session.ctx.inline.sasl2Features) {
      const outcome = await feature.onSuccess(target, request, bound);
      if (outcome?.resumed !== undefined) {
        target = outcome.resumed;
        resumed = true;
      }
      if (!target.isOpen) return;
      if (outcome === undefined) continue;
      extra.push(...(outcome.elements ?? []));
      if (outcome.afterSuccess !== undefined) after.push(outcome.afterSuccess);
      bound ||= outcome.bound === true;
    }
  }
  const additional = base64(data);
  target.send(
    el(
      "success",
      { xmlns: NS_SASL2 },
      ...(additional.length > 0 ? [el("additional-data", {}, ...additional)] : []),
      // §2.6.1: a bare JID, or the full one when a resource was bound inline (or resumed).
      el("authorization-identifier", {}, (target.jid ?? jid).toString()),
      ...extra,
    ),
  );
  // XEP-0198 §9.2 (inline resumption): the resumed stream goes on where it was, without new stream
  // features; then what the client had not acknowledged is sent again.
  if (resumed) {
    for (const f of after) f();
    return;
  }
  // §2.6.1: <success/> is followed by the features of the authenticated stream; no restart.
  // Post-authentication features (XEP-0352 <csi/>, XEP-0198 <sm/>) are offered either way.
  const extras = target.ctx.postAuthFeatures.flatMap((f) => f(target) ?? []);
  target.send(
    bound
      ? el("stream:features", {}, el("ver", { xmlns: NS_ROSTER_VER }), ...extras)
      : streamFeatures(target.featureState(), [], extras),
  );
  for (const f of after) f();
  if (bound) announceBound(target);
}

function parseRequest(authenticate: Element): Sasl2Request {
  const agent = childIn(authenticate, "user-agent", NS_SASL2);
  const id = agent?.attrs.id;
  const text = (name: string): string | undefined => {
    const t = agent === undefined ? undefined : childIn(agent, name, NS_SASL2)?.text().trim();
    return t === undefined || t === "" ? undefined : t.slice(0, MAX_AGENT_TEXT);
  };
  return {
    authenticate,
    userAgentId: id === undefined || id === "" || id.length > MAX_AGENT_ID ? undefined : id,
    software: text("software"),
    device: text("device"),
    notes: new Map(),
  };
}

/** Elements in urn:xmpp:sasl:2 before authentication. */
export async function handleSasl2(session: Session, element: Element): Promise<void> {
  if (session.host?.options.c2s_sasl2 !== true) return session.close("not-authorized", "Authenticate first");
  switch (element.localName) {
    case "authenticate": {
      const request = parseRequest(element);
      session.sasl.sasl2 = request;
      // FAST (XEP-0484 §4.3) and the like bring mechanisms of their own for this request.
      let mechanisms;
      for (const f of session.ctx.inline.sasl2Features) mechanisms ??= f.mechanisms?.(session, request);
      const initial = childIn(element, "initial-response", NS_SASL2);
      // No <initial-response/>: ask with an empty challenge; an empty one is an empty response.
      const data = initial === undefined ? "" : initial.text().trim() === "" ? "=" : initial.text();
      return startExchange(session, SASL2_PROFILE, element.attrs.mechanism, data, mechanisms);
    }
    case "response": {
      const exchange = session.sasl.exchange;
      if (exchange === undefined || session.sasl.profile !== SASL2_PROFILE)
        return failed(session, SASL2_PROFILE, "malformed-request", "No exchange in progress");
      return advance(session, SASL2_PROFILE, exchange, element.text());
    }
    case "abort":
      endExchange(session);
      return SASL2_PROFILE.failure(session, "aborted");
    default:
      return session.close("not-authorized", "Unexpected SASL2 element");
  }
}
