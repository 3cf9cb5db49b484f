// RFC 6121 §2: roster get (§2.2, with XEP-0237 versioning), set (§2.3) and remove (§2.5), for the
// account's own bare JID. Removing an item cancels the subscriptions both ways (§2.5.2) first.
import { el, type Element } from "../../xml/element.ts";
import { NS_ROSTER } from "../../ns.ts";
import { tryParseJid, type Jid } from "../../jid.ts";
import type { Session } from "../../stream/session.ts";
import type { IqContext, IqRegistry } from "../../router/iq-registry.ts";
import { errorReply, iqResult } from "../../stanza/errors.ts";
import type { ChatDeps } from "../chat-deps.ts";
import type { Subscriptions } from "../presence/subscription.ts";
import { itemElement, markInterested, pushRoster } from "./items.ts";
import { hasFrom, hasTo } from "./subscription-states.ts";

/** Bounds on what a client may store (RFC 6121 §2.3.3 lets the server refuse with not-acceptable). */
const MAX_TEXT = 1023;
const MAX_GROUPS = 64;

function ownAccount(iq: Element): boolean {
  // Roster requests are to the account itself (no `to`, or its own bare JID): the router sends
  // the server's own IQs here too, so refuse those.
  const to = iq.attrs.to;
  return to === undefined || to.includes("@");
}

export function registerRoster(iq: IqRegistry, deps: ChatDeps, subs: Subscriptions): void {
  const { ctx, storage } = deps;

  iq.on("get", NS_ROSTER, "query", async ({ session, iq: stanza, payload }: IqContext) => {
    if (!ownAccount(stanza)) return errorReply(stanza, "service-unavailable");
    markInterested(ctx, session);
    const account = session.jid?.bare().toString() ?? "";
    const { version, items } = await storage.store.roster(account);
    // XEP-0237 §2.3: the client's version is current: an empty result, pushes follow.
    if (payload.attrs.ver !== undefined && payload.attrs.ver === String(version)) return iqResult(stanza);
    return iqResult(
      stanza,
      el("query", { xmlns: NS_ROSTER, ver: String(version) }, ...items.map(itemElement)),
    );
  });

  iq.on("set", NS_ROSTER, "query", async ({ session, iq: stanza, payload }: IqContext) => {
    if (!ownAccount(stanza)) return errorReply(stanza, "service-unavailable");
    const user = session.jid?.bare();
    if (user === undefined) return errorReply(stanza, "internal-server-error");
    const items = payload.getChildren("item");
    // §2.3.3: exactly one item per set.
    if (items.length !== 1 || payload.elements.length !== 1)
      return errorReply(stanza, "bad-request", { text: "A roster set carries exactly one <item/>" });
    const item = items[0]!;
    if (item.attrs.jid === undefined)
      return errorReply(stanza, "bad-request", { text: "The item has no jid" });
    const contact = tryParseJid(item.attrs.jid);
    if (contact === undefined) return errorReply(stanza, "jid-malformed", { text: "Invalid item jid" });
    if (item.attrs.subscription === "remove") return remove(session, stanza, user, contact);

    const name = item.attrs.name;
    const groups = item.getChildren("group").map((g) => g.text());
    if (name !== undefined && name.length > MAX_TEXT)
      return errorReply(stanza, "not-acceptable", { text: "The name is too long" });
    if (groups.length > MAX_GROUPS) return errorReply(stanza, "not-acceptable", { text: "Too many groups" });
    if (groups.some((g) => g === "" || g.length > MAX_TEXT))
      return errorReply(stanza, "not-acceptable", { text: "A group name is empty or too long" });
    if (new Set(groups).size !== groups.length)
      return errorReply(stanza, "bad-request", { text: "A group is listed twice" });
    // §2.1.2.5: a client's subscription and ask attributes are ignored; the server owns them.
    const jid = contact.toString();
    const change = await storage.store.updateRosterItem(user.toString(), jid, (cur) => ({
      jid,
      name: name === "" ? undefined : name,
      subscription: cur?.subscription ?? "none",
      ask: cur?.ask ?? false,
      groups,
    }));
    session.send(iqResult(stanza));
    if (change.changed) pushRoster(ctx, user.toString(), jid, change.after, change.version);
    return undefined;
  });

  /** §2.5.2: unsubscribe and unsubscribed go out before the item disappears. */
  async function remove(session: Session, stanza: Element, user: Jid, contact: Jid) {
    const store = storage.store;
    const account = user.toString();
    const jid = contact.toString();
    const before = await store.rosterItem(account, jid);
    const pending = await store.hasPending(account, jid);
    if (before === undefined && !pending) return errorReply(stanza, "item-not-found");
    const local =
      contact.local !== undefined && contact.resource === undefined && ctx.hosts.has(contact.domain);
    if (local) {
      if (hasTo(before) || before?.ask === true) await subs.inbound("unsubscribe", user, contact);
      if (hasFrom(before) || pending) {
        await subs.inbound("unsubscribed", user, contact);
        if (hasFrom(before)) subs.sendPresence(user, contact, true);
      }
    }
    await store.removePending(account, jid);
    const change = await store.updateRosterItem(account, jid, () => null);
    // The result first, then the push to every interested resource (§2.5.2's example order).
    session.send(iqResult(stanza));
    if (change.changed) pushRoster(ctx, account, jid, undefined, change.version);
    return undefined;
  }
}
