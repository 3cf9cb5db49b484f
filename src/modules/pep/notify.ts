// XEP-0163 §4.3 with XEP-0060 §7.1.2: who gets a node's event notifications, and the <message/>
// that carries them. PEP's subscribers are implicit (XEP-0163 §4.2): the owner's resources and, unless
// the node is whitelist-only, the contacts with a presence subscription to the owner; each resource
// only when its caps announce "<node>+notify" (filtered notifications). Blocked contacts get nothing
// (XEP-0191). Delivery goes through session handles, so it reaches resources on every cluster node.
import { randomBytes } from "node:crypto";
import { el, type Element } from "../../xml/element.ts";
import { tryParseJid } from "../../jid.ts";
import { NS_PUBSUB_EVENT } from "../../ns.ts";
import type { ChatDeps } from "../chat-deps.ts";
import type { SessionHandle } from "../../router/session-handle.ts";
import { availableSessions } from "../presence/state.ts";
import { hasFrom } from "../roster/subscription-states.ts";
import type { Separated } from "../presence/presence.ts";
import type { CapsTracker } from "./caps.ts";
import type { NodeConfig } from "./node-config.ts";

export type Notifier = (owner: string, node: string, config: NodeConfig, event: Element) => Promise<void>;

/** `<message type="headline"><event>…</event></message>` from the owner's bare JID to one resource. */
export function eventMessage(owner: string, to: string, event: Element): Element {
  return el(
    "message",
    { from: owner, to, type: "headline", id: `pep-${randomBytes(6).toString("hex")}` },
    el("event", { xmlns: NS_PUBSUB_EVENT }, event),
  );
}

export function createNotifier(deps: ChatDeps, caps: CapsTracker, separated: Separated): Notifier {
  const { ctx, storage } = deps;
  return async (owner, node, config, event) => {
    const bares = [owner];
    if (config.access_model !== "whitelist") {
      const { items } = await storage.store.roster(owner);
      const contacts = items.filter((i) => hasFrom(i) && !i.jid.includes("/")).map((i) => i.jid);
      const me = tryParseJid(owner);
      const hidden =
        me === undefined || contacts.length === 0 ? new Set<string>() : await separated(me, contacts);
      bares.push(...contacts.filter((c) => !hidden.has(c)));
    }
    const wants = (h: SessionHandle) => caps.notifyNodes(h).has(node);
    for (const bare of bares)
      for (const h of availableSessions(ctx, bare))
        if (wants(h)) h.send(eventMessage(owner, h.jid.toString(), event));
  };
}
