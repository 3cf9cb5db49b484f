// Stanza routing for bound sessions (RFC 6120 §10, RFC 6121 §8): presence and messages go to their
// modules; IQs to the server, to an account's bare JID (answered on its behalf, RFC 6121 §8.5) or
// forwarded to a connected full JID. Component domains go to their component. No server-to-server:
// other domains get remote-server-not-found.
import type { Element } from "../xml/element.ts";
import { tryParseJid, type Jid } from "../jid.ts";
import type { ServerContext } from "../server-context.ts";
import type { Session } from "../stream/session.ts";
import { errorReply, mayReplyWithError } from "../stanza/errors.ts";
import { iqPayload, type IqRegistry } from "./iq-registry.ts";
import { accountExists } from "../modules/account-exists.ts";
import type { Component } from "../components/component.ts";

/** The chat modules the router delegates to. */
export interface ChatRouting {
  /** A message to a local account (bare or full JID). */
  message(session: Session, stanza: Element, target: Jid): Promise<void>;
  /** Presence: broadcast when `target` is undefined, otherwise directed or subscription-related. */
  presence(session: Session, stanza: Element, target: Jid | undefined): Promise<void>;
  /** IQ handlers for an account's bare JID; tried before the server's for the sender's own. */
  readonly accountIq: IqRegistry;
  /** XEP-0191 §3.5: true when a stanza between local accounts was stopped by a blocklist. */
  screen(session: Session, stanza: Element, target: Jid): Promise<boolean>;
  /** An IQ result or error sent to the server: true when a module consumed it (a query it made). */
  response?(session: Session, iq: Element): boolean;
}

/** RFC 6120 §8.2.3 and the xmpp.js rules: no handler → service-unavailable, a throw → internal-server-error. */
async function handleIq(session: Session, iq: Element, registries: readonly IqRegistry[]): Promise<void> {
  const type = iq.attrs.type;
  if (type === "result" || type === "error") return; // replies to nothing we sent
  const payload = iqPayload(iq);
  if (iq.attrs.id === undefined || (type !== "get" && type !== "set") || !payload) {
    if (mayReplyWithError(iq)) session.send(errorReply(iq, "bad-request", { text: "Malformed IQ" }));
    return;
  }
  const handler = registries.map((r) => r.find(type, payload)).find((h) => h !== undefined);
  if (handler === undefined) return session.send(errorReply(iq, "service-unavailable"));
  try {
    const reply = await handler({ session, iq, payload });
    if (reply !== undefined) session.send(reply);
  } catch (err) {
    session.logger.error({ err, xmlns: payload.xmlns }, "IQ handler failed");
    session.send(errorReply(iq, "internal-server-error"));
  }
}

async function routeIq(
  ctx: ServerContext,
  chat: ChatRouting,
  session: Session,
  iq: Element,
  target: Jid,
): Promise<void> {
  const sender = session.jid?.bare();
  if (target.local === undefined && target.resource === undefined) {
    const reply = iq.attrs.type === "result" || iq.attrs.type === "error";
    if (reply && chat.response?.(session, iq) === true) return;
    return handleIq(session, iq, [ctx.iq]);
  }
  if (target.local !== undefined && target.resource === undefined) {
    if (sender !== undefined && target.equals(sender)) return handleIq(session, iq, [chat.accountIq, ctx.iq]);
    if (iq.attrs.type === "result" || iq.attrs.type === "error")
      return ctx.hooks.accountIqReply.run((err) => session.logger.error({ err }, "IQ reply hook failed"), iq);
    // RFC 6121 §8.5.1: an IQ to an account that does not exist is service-unavailable.
    if ((await accountExists(ctx, target, session.abort.signal)) === "no")
      return session.send(errorReply(iq, "service-unavailable"));
    return handleIq(session, iq, [chat.accountIq]);
  }
  // RFC 6121 §8.5.3: a full JID: forwarded to that resource when connected.
  const recipient =
    target.local === undefined
      ? undefined
      : ctx.sessions.get(target.bare().toString(), target.resource ?? "");
  if (recipient !== undefined) return recipient.send(iq);
  if (mayReplyWithError(iq)) session.send(errorReply(iq, "service-unavailable"));
}

export function createRouter(
  ctx: ServerContext,
  chat: ChatRouting,
  components: {
    get(domain: string): Component | undefined;
    unavailable?(from: Jid): void;
  } = { get: () => undefined },
): (session: Session, stanza: Element) => Promise<void> {
  return async (session, stanza) => {
    const to = stanza.attrs.to;
    const sender = session.jid;
    if (sender === undefined) return;
    if (stanza.name === "presence" && to === undefined) {
      // RFC 6121 §4.5.2: unavailable goes to what got directed presence, components included.
      if (stanza.attrs.type === "unavailable") components.unavailable?.(sender);
      return chat.presence(session, stanza, undefined);
    }
    const target = to === undefined ? sender.bare() : tryParseJid(to);
    if (target === undefined) {
      if (mayReplyWithError(stanza)) session.send(errorReply(stanza, "jid-malformed"));
      return;
    }
    const component = components.get(target.domain);
    if (!ctx.hosts.has(target.domain) && component === undefined) {
      if (mayReplyWithError(stanza)) session.send(errorReply(stanza, "remote-server-not-found"));
      return;
    }
    if (target.local !== undefined && (await chat.screen(session, stanza, target))) return;
    // A component's domain (src/components/): it answers through its own delivery.
    if (component !== undefined) return component.receive(stanza, sender, target);
    if (stanza.name === "iq") return routeIq(ctx, chat, session, stanza, target);
    if (target.local !== undefined) {
      if (stanza.name === "presence") return chat.presence(session, stanza, target);
      return chat.message(session, stanza, target);
    }
    // To the server itself: presence is ignored; it takes no messages (RFC 6121 §8.5 / §8.4).
    if (stanza.name === "message" && mayReplyWithError(stanza) && stanza.attrs.type !== "headline")
      session.send(errorReply(stanza, "service-unavailable"));
  };
}
