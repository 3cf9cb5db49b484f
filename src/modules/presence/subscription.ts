// RFC 6121 §3: the presence subscription state machine between local accounts (no server-to-server
// here). `outbound` handles what a user sends (§3.1.2, §3.1.5, §3.2.2, §3.3.2); `inbound` what the
// contact's server does on receipt (§3.1.3, §3.1.6, §3.2.3, §3.3.3). Pre-approval (§3.4) is not offered.
import { el, type Element } from "../../xml/element.ts";
import type { Jid } from "../../jid.ts";
import type { Session } from "../../stream/session.ts";
import type { RosterUpdate } from "../../storage/store.ts";
import type { ChatDeps } from "../chat-deps.ts";
import { accountExists } from "../account-exists.ts";
import { pushRoster } from "../roster/items.ts";
import * as st from "../roster/subscription-states.ts";
import { availableSessions } from "./state.ts";
import { withAttrs } from "../../stanza/copy.ts";
import { parseStoredElement } from "../../xml/parse-stored.ts";

export type SubscriptionType = "subscribe" | "subscribed" | "unsubscribe" | "unsubscribed";

export interface Subscriptions {
  /** A subscription stanza from a bound session to `contact` (a local bare JID). */
  outbound(session: Session, stanza: Element, contact: Jid): Promise<void>;
  /** Processing at `to`'s side of a subscription stanza from `from` (both bare, both local). */
  inbound(type: SubscriptionType, from: Jid, to: Jid, stanza?: Element, signal?: AbortSignal): Promise<void>;
  /** §3.1.3: requests kept while the account was offline go to a resource that became available. */
  deliverPending(session: Session): Promise<void>;
  /** §3.1.5 / §3.2.2: presence (or unavailable) of every available resource of `from` to those of `to`. */
  sendPresence(from: Jid, to: Jid, unavailable: boolean): void;
}

export function isSubscriptionType(t: string | undefined): t is SubscriptionType {
  return t === "subscribe" || t === "subscribed" || t === "unsubscribe" || t === "unsubscribed";
}

export function createSubscriptions({ ctx, storage }: ChatDeps): Subscriptions {
  /** Updates one roster item and pushes it when it changed; returns whether it did. */
  const update = async (account: Jid, jid: Jid, fn: RosterUpdate): Promise<boolean> => {
    const a = account.toString();
    const change = await storage.store.updateRosterItem(a, jid.toString(), fn);
    if (change.changed) pushRoster(ctx, a, jid.toString(), change.after, change.version);
    return change.changed;
  };

  const stanzaOf = (type: SubscriptionType, from: Jid, to: Jid, original?: Element) =>
    original === undefined
      ? el("presence", { from: from.toString(), to: to.toString(), type })
      : withAttrs(original, { from: from.toString(), to: to.toString(), type, id: original.attrs.id });

  const deliver = (to: Jid, stanza: Element) => {
    for (const s of availableSessions(ctx, to.toString())) s.send(stanza);
  };

  /** §3.1.5 / §3.2.2: presence of every available resource of `from` to every one of `to`. */
  const sendPresence = (from: Jid, to: Jid, unavailable: boolean) => {
    const targets = availableSessions(ctx, to.toString());
    for (const source of availableSessions(ctx, from.toString())) {
      const full = source.jid.toString();
      const last = source.state.last;
      for (const t of targets) {
        const target = t.jid.toString();
        if (unavailable) t.send(el("presence", { from: full, to: target, type: "unavailable" }));
        else if (last !== undefined) t.send(withAttrs(last, { to: target }));
      }
    }
  };

  const subs: Subscriptions = {
    sendPresence,
    async outbound(session, stanza, contact) {
      const user = session.jid?.bare();
      const type = stanza.attrs.type;
      if (user === undefined || !isSubscriptionType(type)) return;
      const signal = session.abort.signal;
      switch (type) {
        case "subscribe":
          await update(user, contact, st.outboundSubscribe(contact.toString()));
          return subs.inbound(type, user, contact, stanza, signal);
        case "unsubscribe":
          await update(user, contact, st.outboundUnsubscribe);
          return subs.inbound(type, user, contact, stanza, signal);
        case "subscribed": {
          // §3.1.5: without a pending request (and with no pre-approval) there is nothing to approve.
          const pending = await storage.store.removePending(user.toString(), contact.toString());
          if (!pending) return;
          await update(user, contact, st.outboundSubscribed(contact.toString()));
          await subs.inbound(type, user, contact, stanza, signal);
          return sendPresence(user, contact, false);
        }
        case "unsubscribed": {
          const pending = await storage.store.removePending(user.toString(), contact.toString());
          const changed = await update(user, contact, st.dropFrom);
          if (!changed && !pending) return;
          await subs.inbound(type, user, contact, stanza, signal);
          if (changed) sendPresence(user, contact, true);
          return;
        }
      }
    },

    async inbound(type, from, to, original, signal) {
      const stanza = stanzaOf(type, from, to, original);
      const store = storage.store;
      switch (type) {
        case "subscribe": {
          const exists = await accountExists(ctx, to, signal);
          // §8.5.1: a request to an account that does not exist is answered with "unsubscribed".
          if (exists === "no") return subs.inbound("unsubscribed", to, from);
          // §3.1.3: already subscribed: the contact's server answers for the contact.
          if (st.hasFrom(await store.rosterItem(to.toString(), from.toString())))
            return subs.inbound("subscribed", to, from);
          await store.addPending(to.toString(), from.toString(), stanza.toString());
          return deliver(to, stanza);
        }
        case "subscribed":
          if (await update(to, from, st.inboundSubscribed)) deliver(to, stanza);
          return;
        case "unsubscribe": {
          const pending = await store.removePending(to.toString(), from.toString());
          const changed = await update(to, from, st.dropFrom);
          if (changed || pending) deliver(to, stanza);
          // §3.3.3: the former subscriber sees the contact go unavailable.
          if (changed) sendPresence(to, from, true);
          return;
        }
        case "unsubscribed":
          if (await update(to, from, st.inboundUnsubscribed)) deliver(to, stanza);
          return;
      }
    },

    async deliverPending(session) {
      const account = session.jid?.bare().toString();
      if (account === undefined) return;
      for (const p of await storage.store.pending(account)) {
        const stanza = parseStoredElement(p.stanza) ?? el("presence", { from: p.from, to: account });
        session.send(withAttrs(stanza, { type: "subscribe", from: p.from, to: account }));
      }
    },
  };
  return subs;
}
