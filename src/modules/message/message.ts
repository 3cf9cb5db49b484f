// RFC 6121 §8.5 for <message/> to a local JID (RFC 6121 §5.2: one-to-one chat), by type:
// - full JID, resource connected: delivered there (§8.5.3.1);
// - full JID, no such resource: chat/normal as if to the bare JID, groupchat service-unavailable,
//   headline and error dropped (§8.5.3.2.1);
// - bare JID with available resources of non-negative priority: every one of them gets chat, normal
//   and headline (§8.5.2.1.1 allows "all non-negative"); groupchat service-unavailable; error dropped;
// - bare JID, none available (§8.5.2.2.1): chat/normal kept offline (XEP-0160) when the account
//   exists (user_exists; trouble counts as existing: keep, never drop, never bounce as unknown),
//   service-unavailable when it does not; headline and error dropped.
// XEP-0313: what is archivable goes in the sender's archive as sent and in the recipient's as
// delivered (or kept offline), the recipient's copy stamped with its XEP-0359 stanza-id.
import type { Element } from "../../xml/element.ts";
import type { Jid } from "../../jid.ts";
import type { Session } from "../../stream/session.ts";
import { errorReply, mayReplyWithError } from "../../stanza/errors.ts";
import type { ChatDeps } from "../chat-deps.ts";
import { accountExists } from "../account-exists.ts";
import { availableSessions } from "../presence/state.ts";
import { tryParseJid } from "../../jid.ts";
import type { Carbons } from "../carbons/carbons.ts";
import type { OfflineMessages } from "./offline.ts";
import type { Archiver } from "../mam/archiver.ts";

export type MessageRouter = (session: Session, stanza: Element, target: Jid) => Promise<void>;

const KNOWN = ["chat", "normal", "headline", "groupchat", "error"];

export function createMessageRouter(
  deps: ChatDeps,
  carbons: Carbons,
  offline: OfflineMessages,
  archiver: Archiver,
): MessageRouter {
  const { ctx } = deps;
  const bounce = (
    session: Session,
    stanza: Element,
    condition: "service-unavailable" | "resource-constraint" | "internal-server-error",
    type?: "wait",
  ) => {
    if (mayReplyWithError(stanza))
      session.send(errorReply(stanza, condition, type === undefined ? {} : { type }));
  };

  const toBare = async (session: Session, stanza: Element, target: Jid, type: string) => {
    if (type === "error") return;
    if (type === "groupchat") return bounce(session, stanza, "service-unavailable");
    const account = target.bare().toString();
    const recipients = availableSessions(ctx, account).filter((s) => s.state.priority >= 0);
    if (recipients.length > 0) {
      const stamped = await archiver.incoming(account, stanza);
      for (const r of recipients) r.send(stamped);
      return carbons.received(account, recipients, stamped);
    }
    if (type === "headline") return;
    const exists = await accountExists(ctx, target.bare(), session.abort.signal);
    if (exists === "no") return bounce(session, stanza, "service-unavailable");
    const max = ctx.hosts.get(target.domain)?.options.max_offline_messages ?? 0;
    const outcome = await offline.store(account, await archiver.incoming(account, stanza), max);
    if (outcome === "full") return bounce(session, stanza, "resource-constraint");
    if (outcome === "disabled") return bounce(session, stanza, "service-unavailable");
    if (outcome === "failed") return bounce(session, stanza, "internal-server-error", "wait");
  };

  // A message sent to a session on another node that had gone when it arrived there: kept offline
  // like one to a bare JID without resources (no sender to bounce to; existence is not asked).
  ctx.sessions.undeliverable.add((stanza) => {
    const type = stanza.attrs.type ?? "normal";
    if (stanza.name !== "message" || (type !== "chat" && type !== "normal")) return;
    const target = tryParseJid(stanza.attrs.to ?? "");
    if (target?.local === undefined || !ctx.hosts.has(target.domain)) return;
    const max = ctx.hosts.get(target.domain)?.options.max_offline_messages ?? 0;
    offline
      .store(target.bare().toString(), stanza, max)
      .catch((err: unknown) => ctx.logger.error({ err }, "keeping an undeliverable message failed"));
  });

  return async (session, sent, target) => {
    const type = sent.attrs.type ?? "normal";
    // RFC 6121 §5.2.2: an unknown type is treated as normal.
    const effective = KNOWN.includes(type) ? type : "normal";
    const { routed: stanza, own } = await archiver.outgoing(session, sent, target);
    carbons.sent(session, own);
    if (target.resource !== undefined) {
      const recipient = ctx.sessions.get(target.bare().toString(), target.resource);
      if (recipient !== undefined) {
        const stamped = await archiver.incoming(target.bare().toString(), stanza);
        recipient.send(stamped);
        return carbons.received(target.bare().toString(), [recipient], stamped);
      }
      if (effective === "groupchat") return bounce(session, stanza, "service-unavailable");
      if (effective === "headline" || effective === "error") return;
    }
    return toBare(session, stanza, target, effective);
  };
}
