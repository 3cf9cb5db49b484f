// XEP-0280 (Message Carbons): a resource that enabled carbons (§4) gets a copy of the messages its
// account sends (§6, <sent/>) and receives at another resource (§5, <received/>), each wrapped in
// XEP-0297 forwarding. Which messages are copied follows §6 (eligibility), as Prosody's mod_carbons
// reads it: chat; normal with a body; IM payloads (receipts, chat states, markers, Jingle Message
// Initiation); whatever the account's archive took (it carries our stanza-id); error bounces from a
// bare JID. Never <private/> (§7), <no-copy/> (XEP-0334), MUC private messages to one resource,
// groupchat, or carbons themselves.
import { el, type Element } from "../../xml/element.ts";
import { NS_CARBONS, NS_CLIENT, NS_FORWARD, NS_HINTS, NS_SID } from "../../ns.ts";
import type { IqRegistry } from "../../router/iq-registry.ts";
import type { Session } from "../../stream/session.ts";
import type { SessionHandle } from "../../router/session-handle.ts";
import type { ServerContext } from "../../server-context.ts";
import { errorReply, iqResult } from "../../stanza/errors.ts";
import { withAttrs } from "../../stanza/copy.ts";

export interface Carbons {
  /** Copies a message `sender` sent to the account's other enabled resources. */
  sent(sender: Session, stanza: Element): void;
  /** Copies a message delivered to `account` to its enabled resources not among `delivered`. */
  received(account: string, delivered: readonly SessionHandle[], stanza: Element): void;
}

const NS_MUC_USER = "http://jabber.org/protocol/muc#user"; // XEP-0045 §19.1

/** XEP-0280 §6: payloads of instant messaging that make a message of any type worth copying. */
const IM_PAYLOADS = [
  "urn:xmpp:receipts", // XEP-0184
  "http://jabber.org/protocol/chatstates", // XEP-0085
  "urn:xmpp:chat-markers:0", // XEP-0333
  "urn:xmpp:jingle-message:0", // XEP-0353
  "urn:xmpp:jingle-message:1",
];

/**
 * XEP-0280 §6 for a message `account` sent or received. `received` messages addressed to a full
 * JID with a MUC <x/> are private messages from a room: they belong to the one resource that joined.
 */
export function eligible(stanza: Element, direction: "sent" | "received", account: string): boolean {
  if (stanza.name !== "message") return false;
  if (stanza.getChild("private", NS_CARBONS) !== undefined) return false;
  if (stanza.getChild("no-copy", NS_HINTS) !== undefined) return false;
  if (
    stanza.getChild("sent", NS_CARBONS) !== undefined ||
    stanza.getChild("received", NS_CARBONS) !== undefined
  )
    return false;
  const type = stanza.attrs.type ?? "normal";
  if (type === "groupchat") return false;
  if (
    direction === "received" &&
    (stanza.attrs.to ?? account) !== account &&
    stanza.getChild("x", NS_MUC_USER) !== undefined
  )
    return false;
  if (type === "error")
    return direction === "received" && stanza.attrs.from !== undefined && !stanza.attrs.from.includes("/");
  if (type === "chat") return true;
  if (type === "normal" && stanza.getChild("body") !== undefined) return true;
  if (stanza.elements.some((e) => e.xmlns !== undefined && IM_PAYLOADS.includes(e.xmlns))) return true;
  // Archived for this account (XEP-0313 §3.5): every device should have it.
  return stanza.getChildren("stanza-id", NS_SID).some((e) => e.attrs.by === account);
}

export function createCarbons(ctx: ServerContext, iq: IqRegistry): Carbons {
  const toggle =
    (on: boolean) =>
    ({ session, iq: stanza }: { session: Session; iq: Element }) => {
      if (stanza.attrs.to !== undefined && stanza.attrs.to !== session.jid?.bare().toString())
        return errorReply(stanza, "service-unavailable");
      ctx.sessions.update(session, { carbons: on });
      return iqResult(stanza);
    };
  ctx.disco.addServerFeature(NS_CARBONS);
  iq.on("set", NS_CARBONS, "enable", toggle(true));
  iq.on("set", NS_CARBONS, "disable", toggle(false));

  const wrap = (kind: "sent" | "received", account: string, to: SessionHandle, stanza: Element) =>
    el(
      "message",
      { xmlns: NS_CLIENT, from: account, to: to.jid.toString(), type: stanza.attrs.type },
      el(
        kind,
        { xmlns: NS_CARBONS },
        el("forwarded", { xmlns: NS_FORWARD }, withAttrs(stanza, { xmlns: NS_CLIENT })),
      ),
    );

  return {
    sent(sender, stanza) {
      const account = sender.jid?.bare().toString() ?? "";
      if (!eligible(stanza, "sent", account)) return;
      for (const s of ctx.sessions.ofAccount(account)) {
        // The addressee gets the message itself, not a copy of it.
        if (s.local === sender || !s.state.carbons || s.jid.toString() === stanza.attrs.to) continue;
        s.send(wrap("sent", account, s, stanza));
      }
    },
    received(account, delivered, stanza) {
      if (!eligible(stanza, "received", account)) return;
      for (const s of ctx.sessions.ofAccount(account)) {
        if (delivered.some((d) => d.sid === s.sid) || !s.state.carbons) continue;
        s.send(wrap("received", account, s, stanza));
      }
    },
  };
}
