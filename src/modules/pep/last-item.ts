// XEP-0163 §4.3.2 (with XEP-0060 §6.1.7): the last published item of a node goes to a resource when
// it starts wanting the node (its caps become known or change: its own account's nodes and those of
// every contact it is subscribed to) and to a contact's resources when the owner approves that
// contact's subscription. Nodes with send_last_published_item = never are skipped; the access model
// decides as for items requests.
import { el } from "../../xml/element.ts";
import { tryParseJid } from "../../jid.ts";
import type { Session } from "../../stream/session.ts";
import type { SessionHandle } from "../../router/session-handle.ts";
import type { ChatDeps } from "../chat-deps.ts";
import type { PepLastItem } from "../../storage/pep.ts";
import { availableSessions } from "../presence/state.ts";
import { hasTo } from "../roster/subscription-states.ts";
import type { Separated } from "../presence/presence.ts";
import { readStored } from "../account-data/stored-xml.ts";
import { denial } from "./access.ts";
import { parseConfig } from "./node-config.ts";
import { eventMessage } from "./notify.ts";

export interface LastItems {
  /** `session` now wants `nodes` (all its wanted nodes when it just came online). */
  toResource(session: Session, nodes: readonly string[]): Promise<void>;
  /** `owner` approved `contact`'s subscription; `wanted` tells a resource's wanted nodes. */
  onSubscription(
    owner: string,
    contact: string,
    wanted: (h: SessionHandle) => ReadonlySet<string>,
  ): Promise<void>;
}

const itemsEvent = (last: PepLastItem) => {
  const payload = last.xml === "" ? undefined : readStored(last.xml, "PEP item");
  return el(
    "items",
    { node: last.node },
    el("item", { id: last.id }, ...(payload === undefined ? [] : [payload])),
  );
};

export function createLastItems(deps: ChatDeps, separated: Separated): LastItems {
  const { ctx, storage } = deps;
  return {
    async toResource(session, nodes) {
      const me = session.jid;
      if (me === undefined || nodes.length === 0) return;
      const own = me.bare().toString();
      const { items } = await storage.store.roster(own);
      const contacts = items
        .filter((i) => hasTo(i) && tryParseJid(i.jid)?.local !== undefined)
        .map((i) => i.jid)
        .filter((j) => ctx.hosts.has(j.slice(j.indexOf("@") + 1)));
      const hidden = contacts.length === 0 ? new Set<string>() : await separated(me, contacts);
      const accounts = [own, ...contacts.filter((c) => !hidden.has(c))];
      const to = me.toString();
      for (const last of await storage.store.pepLastItems(accounts, nodes)) {
        const config = parseConfig(last.config);
        if (config.send_last_published_item === "never") continue;
        // The subscription is in `me`'s roster (hasTo); whitelist nodes are the owner's alone.
        if (config.access_model === "whitelist" && last.account !== own) continue;
        session.send(eventMessage(last.account, to, itemsEvent(last)));
      }
    },
    async onSubscription(owner, contact, wanted) {
      const handles = availableSessions(ctx, contact);
      const nodes = [...new Set(handles.flatMap((h) => [...wanted(h)]))];
      if (nodes.length === 0) return;
      for (const last of await storage.store.pepLastItems([owner], nodes)) {
        const config = parseConfig(last.config);
        if (config.send_last_published_item === "never") continue;
        if ((await denial(storage.store, owner, contact, config)) !== undefined) continue;
        for (const h of handles)
          if (wanted(h).has(last.node)) h.send(eventMessage(owner, h.jid.toString(), itemsEvent(last)));
      }
    },
  };
}
