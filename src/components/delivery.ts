// Stanzas from a component to local users, through the same sessions (SessionHandles, cluster-wide)
// and the same per-stream output limits as one-to-one chat. RFC 6121 §8.5.2 (bare JID) and §8.5.3
// (full JID); XEP-0160 for chat/normal messages to an account without an available resource.
import type { Element } from "../xml/element.ts";
import { tryParseJid } from "../jid.ts";
import type { ServerContext } from "../server-context.ts";
import type { StoreHandle } from "../storage/handle.ts";
import { availableSessions } from "../modules/presence/state.ts";
import { createOffline } from "../modules/message/offline.ts";
import { accountExists } from "../modules/account-exists.ts";
import type { Jid } from "../jid.ts";
import type { DeliveryOutcome } from "./component.ts";

/** Parsed addresses, bounded: a room fans one message out to the same JIDs over and over. */
const JID_CACHE_SIZE = 10_000;

export function createComponentDelivery(
  ctx: ServerContext,
  storage: StoreHandle,
  domain: string,
): (stanza: Element) => DeliveryOutcome {
  const offline = createOffline({ ctx, storage });
  const keepOffline = (stanza: Element, account: string, hostName: string) => {
    const target = tryParseJid(account);
    if (target === undefined) return;
    const max = ctx.hosts.get(hostName)?.options.max_offline_messages ?? 0;
    // Not kept for an account the API says does not exist (trouble counts as existing, as in chat).
    void accountExists(ctx, target, AbortSignal.timeout(30_000))
      .then((exists) => (exists === "no" ? undefined : offline.store(account, stanza, max)))
      .catch((err: unknown) => ctx.logger.error({ err, domain }, "keeping a component's message failed"));
  };

  const parsed = new Map<string, Jid | undefined>();
  const parse = (s: string): Jid | undefined => {
    if (parsed.has(s)) return parsed.get(s);
    const jid = tryParseJid(s);
    if (parsed.size >= JID_CACHE_SIZE) parsed.clear();
    parsed.set(s, jid);
    return jid;
  };

  return (stanza) => {
    const from = parse(stanza.attrs.from ?? "");
    if (from === undefined || from.domain !== domain)
      throw new Error(`a component on ${domain} sent a stanza from ${String(stanza.attrs.from)}`);
    const to = parse(stanza.attrs.to ?? "");
    if (to?.local === undefined || !ctx.hosts.has(to.domain)) return "undeliverable";
    const account = to.bare().toString();
    const type = stanza.attrs.type ?? (stanza.name === "message" ? "normal" : "");
    if (to.resource !== undefined) {
      const handle = ctx.sessions.get(account, to.resource);
      if (handle?.isOpen === true) {
        handle.send(stanza);
        return "delivered";
      }
      // §8.5.3.2.1: only chat/normal messages fall back to the bare JID.
      if (stanza.name !== "message" || (type !== "chat" && type !== "normal")) return "undeliverable";
    }
    if (stanza.name === "iq" || type === "groupchat" || type === "error") return "undeliverable";
    const available = availableSessions(ctx, account);
    const recipients = stanza.name === "message" ? available.filter((s) => s.state.priority >= 0) : available;
    for (const r of recipients) r.send(stanza);
    if (recipients.length > 0) return "delivered";
    if (stanza.name === "message" && (type === "chat" || type === "normal")) {
      keepOffline(stanza, account, to.domain);
      return "offline";
    }
    return "undeliverable";
  };
}
