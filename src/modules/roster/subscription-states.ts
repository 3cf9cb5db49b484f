// RFC 6121 §3 and Appendix A: how each subscription stanza changes the roster item on either side.
// Pure functions for ChatStore.updateRosterItem: a new item, or undefined when nothing changes.
import type { RosterItem } from "../../storage/store.ts";

const blank = (jid: string): RosterItem => ({ jid, subscription: "none", ask: false, groups: [] });

/** §3.1.2: the user sends subscribe; the item gets ask="subscribe" unless already subscribed. */
export const outboundSubscribe =
  (jid: string) =>
  (item: RosterItem | undefined): RosterItem | undefined => {
    const cur = item ?? blank(jid);
    if (cur.subscription === "to" || cur.subscription === "both") return undefined;
    return { ...cur, ask: true };
  };

/** §3.1.6: subscribed reaches the user; honoured only when the user asked (Appendix A.2.1). */
export function inboundSubscribed(item: RosterItem | undefined): RosterItem | undefined {
  if (item === undefined || !item.ask) return undefined;
  if (item.subscription === "none") return { ...item, subscription: "to", ask: false };
  if (item.subscription === "from") return { ...item, subscription: "both", ask: false };
  return undefined;
}

/** §3.2.3 / §3.3.3: the user's subscription to the contact ends, or a pending request is denied. */
export function inboundUnsubscribed(item: RosterItem | undefined): RosterItem | undefined {
  if (item === undefined) return undefined;
  if (item.subscription === "to") return { ...item, subscription: "none", ask: false };
  if (item.subscription === "both") return { ...item, subscription: "from", ask: false };
  return item.ask ? { ...item, ask: false } : undefined;
}

/** §3.3.2: the user unsubscribes from the contact: the same change on the user's side. */
export const outboundUnsubscribe = inboundUnsubscribed;

/** §3.1.5: the contact approves: the contact's item for the user gains "from". */
export const outboundSubscribed =
  (jid: string) =>
  (item: RosterItem | undefined): RosterItem | undefined => {
    const cur = item ?? blank(jid);
    if (cur.subscription === "none") return { ...cur, subscription: "from" };
    if (cur.subscription === "to") return { ...cur, subscription: "both" };
    return undefined;
  };

/** §3.2.2 / §3.3.3: the contact's item for the user loses "from". */
export function dropFrom(item: RosterItem | undefined): RosterItem | undefined {
  if (item === undefined) return undefined;
  if (item.subscription === "from") return { ...item, subscription: "none" };
  if (item.subscription === "both") return { ...item, subscription: "to" };
  return undefined;
}

export function hasTo(item: RosterItem | undefined): boolean {
  return item?.subscription === "to" || item?.subscription === "both";
}

export function hasFrom(item: RosterItem | undefined): boolean {
  return item?.subscription === "from" || item?.subscription === "both";
}
