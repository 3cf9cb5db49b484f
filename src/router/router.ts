// Stanza routing for bound sessions (RFC 6120 §10): to the server or the sender's account, to another
// local session, or refused. No server-to-server: other domains get remote-server-not-found.
import type { Element } from "../xml/element.ts";
import { tryParseJid } from "../jid.ts";
import type { ServerContext } from "../server-context.ts";
import type { Session } from "../stream/session.ts";
import { errorReply, mayReplyWithError } from "../stanza/errors.ts";
import { iqPayload } from "./iq-registry.ts";

/** IQs to the server, or to the sender's own bare JID (RFC 6121 §8.5), go to the IQ handlers. */
async function handleIq(ctx: ServerContext, session: Session, iq: Element): Promise<void> {
  const type = iq.attrs.type;
  if (type === "result" || type === "error") return; // replies to nothing we sent
  const payload = iqPayload(iq);
  if (iq.attrs.id === undefined || (type !== "get" && type !== "set") || !payload) {
    if (mayReplyWithError(iq)) session.send(errorReply(iq, "bad-request", { text: "Malformed IQ" }));
    return;
  }
  const handler = ctx.iq.find(type, payload);
  if (handler === undefined) return session.send(errorReply(iq, "service-unavailable"));
  try {
    const reply = await handler({ session, iq, payload });
    if (reply !== undefined) session.send(reply);
  } catch (err) {
    session.logger.error({ err, xmlns: payload.xmlns }, "IQ handler failed");
    session.send(errorReply(iq, "internal-server-error"));
  }
}

export function createRouter(ctx: ServerContext): (session: Session, stanza: Element) => Promise<void> {
  return async (session, stanza) => {
    const to = stanza.attrs.to;
    const sender = session.jid;
    if (sender === undefined) return;
    const target = to === undefined ? sender.bare() : tryParseJid(to);
    if (target === undefined) {
      if (mayReplyWithError(stanza)) session.send(errorReply(stanza, "jid-malformed"));
      return;
    }
    const local = ctx.hosts.get(target.domain);
    if (local === undefined) {
      if (mayReplyWithError(stanza)) session.send(errorReply(stanza, "remote-server-not-found"));
      return;
    }
    const toServer = target.local === undefined && target.resource === undefined;
    const toSelf = target.resource === undefined && target.equals(sender.bare());
    if (stanza.name === "iq" && (toServer || toSelf)) return handleIq(ctx, session, stanza);

    if (target.resource !== undefined && target.local !== undefined) {
      const recipient = ctx.sessions.get(target.bare().toString(), target.resource);
      if (recipient !== undefined) return recipient.send(stanza);
    }
    // Not deliverable here: RFC 6120 §10.5.3 for IQs and messages; presence is dropped silently.
    if (stanza.name !== "presence" && mayReplyWithError(stanza))
      session.send(errorReply(stanza, "service-unavailable"));
  };
}
