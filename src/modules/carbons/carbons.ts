// XEP-0280 (Message Carbons): a resource that enabled carbons (§4) gets a copy of the chat messages
// its account sends (§6, <sent/>) and receives at another resource (§5, <received/>), each wrapped
// in XEP-0297 forwarding. Messages marked <private/> (§7) or <no-copy/> (XEP-0334) are not copied.
import { el, type Element } from "../../xml/element.ts";
import { NS_CARBONS, NS_CLIENT, NS_FORWARD, NS_HINTS } from "../../ns.ts";
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

/** §6: chat messages are eligible; §7 private ones, hinted no-copy ones and carbons themselves are not. */
export function eligible(stanza: Element): boolean {
  if (stanza.name !== "message" || stanza.attrs.type !== "chat") return false;
  if (stanza.getChild("private", NS_CARBONS) !== undefined) return false;
  if (stanza.getChild("no-copy", NS_HINTS) !== undefined) return false;
  return (
    stanza.getChild("sent", NS_CARBONS) === undefined && stanza.getChild("received", NS_CARBONS) === undefined
  );
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
      if (!eligible(stanza)) return;
      const account = sender.jid?.bare().toString() ?? "";
      for (const s of ctx.sessions.ofAccount(account)) {
        // The addressee gets the message itself, not a copy of it.
        if (s.local === sender || !s.state.carbons || s.jid.toString() === stanza.attrs.to) continue;
        s.send(wrap("sent", account, s, stanza));
      }
    },
    received(account, delivered, stanza) {
      if (!eligible(stanza)) return;
      for (const s of ctx.sessions.ofAccount(account)) {
        if (delivered.some((d) => d.sid === s.sid) || !s.state.carbons) continue;
        s.send(wrap("received", account, s, stanza));
      }
    },
  };
}
