// After SASL: resource binding (RFC 6120 §7), the legacy session IQ (RFC 3921 §3), then stanzas.
import { randomBytes } from "node:crypto";
import { el, type Element } from "../xml/element.ts";
import { NS_BIND, NS_CLIENT, NS_SESSION } from "../ns.ts";
import { makeJid } from "../jid.ts";
import { resourcePrep } from "../precis/index.ts";
import { errorReply, iqResult, mayReplyWithError } from "../stanza/errors.ts";
import { iqPayload } from "../router/iq-registry.ts";
import type { Session } from "./session.ts";

async function bind(session: Session, iq: Element, payload: Element): Promise<void> {
  if (session.bound)
    return session.send(errorReply(iq, "not-allowed", { text: "A resource is already bound" }));
  const requested = payload.getChildText("resource");
  let resource: string;
  if (requested === undefined || requested.trim() === "") {
    resource = randomResource();
  } else {
    const prepared = resourcePrep(requested);
    if (!prepared.ok)
      return session.send(errorReply(iq, "bad-request", { text: `Invalid resource: ${prepared.reason}` }));
    resource = prepared.value;
  }
  if (!(await claimResource(session, resource))) return;
  session.send(iqResult(iq, el("bind", { xmlns: NS_BIND }, el("jid", {}, session.jid?.toString() ?? ""))));
  announceBound(session);
}

export const randomResource = (): string => randomBytes(9).toString("base64url");

/**
 * Binds `resource` (already prepared) to the session and registers it (RFC 6120 §7, and XEP-0386's
 * Bind2). False when the session went away meanwhile. The caller answers, then calls announceBound.
 */
export async function claimResource(session: Session, resource: string): Promise<boolean> {
  const account = session.jid;
  if (account === undefined) {
    session.close("internal-server-error");
    return false;
  }
  session.jid = makeJid(account.local ?? "", account.domain, resource);
  session.bound = true;
  // RFC 6120 §7.7.2.2: the policy chosen here is "override": the older session is closed. Its end
  // (the unavailable presence) is complete before the new one is bound, so that it can never follow
  // the new session's presence however slowly the old connection closes.
  const previous = session.ctx.sessions.add(session);
  if (previous !== undefined) {
    previous.close("conflict", "Replaced by a new connection with the same resource");
    await previous.local?.unbind();
    if (!session.isOpen) return false;
  }
  // The same across cluster nodes: the old session's node confirms its end (bounded; docs/cluster.md).
  const remote = session.ctx.sessions.bindSettled?.(session);
  if (remote !== undefined) {
    await remote;
    if (!session.isOpen) return false;
  }
  session.markEstablished();
  return true;
}

/** After the client was told its JID: the log line and the bound hooks (presence, offline, …). */
export function announceBound(session: Session): void {
  session.logger.info({ jid: session.jid?.toString() }, "resource bound");
  session.ctx.hooks.bound.run((err) => session.logger.error({ err }, "bound hook failed"), session);
}

export async function handleBoundOrBinding(session: Session, element: Element): Promise<void> {
  if (element.xmlns !== NS_CLIENT || !["iq", "message", "presence"].includes(element.name)) {
    return session.close("unsupported-stanza-type", `<${element.name}/> is not a stanza`);
  }
  if (element.name === "iq" && element.attrs.type === "set") {
    const payload = iqPayload(element);
    if (payload?.name === "bind" && payload.xmlns === NS_BIND) return bind(session, element, payload);
    if (payload?.name === "session" && payload.xmlns === NS_SESSION) return session.send(iqResult(element));
  }
  if (!session.bound) {
    // RFC 6120 §7.1: no stanzas before a resource is bound.
    if (mayReplyWithError(element) && element.name === "iq")
      return session.send(errorReply(element, "not-authorized"));
    return session.close("not-authorized", "Bind a resource first");
  }
  // RFC 6120 §8.1.2.1: the server stamps the sender's full JID.
  element.attrs.from = session.jid?.toString() ?? "";
  return session.ctx.route(session, element);
}
