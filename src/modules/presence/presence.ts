// RFC 6121 §4: presence from a bound session. Initial presence (§4.2) is broadcast to subscribers and
// the user's own resources, answered with the contacts' current presence (the probe of §4.3, done
// locally) and followed by kept subscription requests and offline messages; updates (§4.4) and
// unavailable presence (§4.5, also when the session ends) reach the same entities plus those that
// got directed presence (§4.6). Subscription types go to ./subscription.ts. Presence never crosses a
// XEP-0191 block, either way (the blocked contact sees the user offline, §3.3).
import { el, type Element } from "../../xml/element.ts";
import type { Jid } from "../../jid.ts";
import type { Session } from "../../stream/session.ts";
import type { Logger } from "../../log.ts";
import { Hook } from "../../router/hooks.ts";
import { errorReply } from "../../stanza/errors.ts";
import { withAttrs } from "../../stanza/copy.ts";
import type { ChatDeps } from "../chat-deps.ts";
import type { RosterItem } from "../../storage/store.ts";
import { hasFrom, hasTo } from "../roster/subscription-states.ts";
import { availableSessions, parsePriority, presenceOf } from "./state.ts";
import { isSubscriptionType, type Subscriptions } from "./subscription.ts";

export interface Presence {
  /** A presence stanza a bound session sent; `target` is its parsed `to` (undefined: broadcast). */
  handle(session: Session, stanza: Element, target: Jid | undefined): Promise<void>;
  /** Runs after a resource's initial presence was processed (offline delivery hooks in here). */
  readonly available: Hook<[Session]>;
}

/** Those of `others` a block separates from `me` (XEP-0191); see ../blocking/screen.ts. */
export type Separated = (me: Jid, others: readonly string[]) => Promise<ReadonlySet<string>>;

export function createPresence(
  deps: ChatDeps,
  subs: Subscriptions,
  separated: Separated = () => Promise.resolve(new Set()),
): Presence {
  const { ctx, storage } = deps;
  const available = new Hook<[Session]>();

  /** The JIDs no block separates from the session's; a blocklist that cannot be read hides all. */
  const unblocked = async (session: Session, jids: readonly string[]) => {
    const me = session.jid;
    if (me === undefined) return [];
    try {
      const hidden = await separated(me, jids);
      return jids.filter((j) => !hidden.has(j));
    } catch (err) {
      session.logger.error({ err }, "blocklist read failed; presence withheld");
      return [];
    }
  };

  /** Contacts of `account` whose roster item satisfies `pick`; [] when the store fails (logged). */
  const contactsOf = async (account: string, logger: Logger, pick: (i: RosterItem) => boolean) => {
    try {
      const { items } = await storage.store.roster(account);
      return items.filter((i) => pick(i) && !i.jid.includes("/")).map((i) => i.jid);
    } catch (err) {
      logger.error({ err }, "roster read failed; presence reaches own resources only");
      return [];
    }
  };
  const contacts = (session: Session, pick: (i: RosterItem) => boolean) =>
    contactsOf(session.jid?.bare().toString() ?? "", session.logger, pick);

  /** Sends `stanza` (from a resource of the account) to each available resource of each bare JID. */
  const fanOut = (stanza: Element, bares: Iterable<string>) => {
    for (const bare of new Set(bares))
      for (const s of availableSessions(ctx, bare)) s.send(withAttrs(stanza, { to: s.jid.toString() }));
  };

  const broadcast = async (session: Session, stanza: Element) => {
    const state = presenceOf(session);
    const own = session.jid?.bare().toString() ?? "";
    // One blocklist read for both lists.
    const fromContacts = await contacts(session, hasFrom);
    const allowed = new Set(await unblocked(session, [...fromContacts, ...state.directed]));
    const subscribers = fromContacts.filter((j) => allowed.has(j));
    const directed = [...state.directed].filter((j) => allowed.has(j));
    const out = withAttrs(stanza, { to: undefined });
    fanOut(out, [own, ...subscribers]);
    for (const jid of directed) deliverDirected(out, jid);
  };

  /** Presence to a full JID goes to that resource if connected; to a bare JID to its available ones. */
  const deliverDirected = (stanza: Element, to: string) => {
    const slash = to.indexOf("/");
    if (slash < 0) return fanOut(stanza, [to]);
    const s = ctx.sessions.get(to.slice(0, slash), to.slice(slash + 1));
    s?.send(withAttrs(stanza, { to }));
  };

  const becomeAvailable = async (session: Session, stanza: Element) => {
    const state = presenceOf(session);
    const initial = !state.available;
    state.available = true;
    const last = withAttrs(stanza, { to: undefined });
    ctx.sessions.update(session, { available: true, priority: parsePriority(stanza), last });
    await broadcast(session, stanza);
    if (!initial) return;
    // §4.3: the probe of each contact the user is subscribed to, answered here for local contacts,
    // and the presence of the user's other available resources.
    const own = session.jid?.bare().toString() ?? "";
    const me = session.jid?.toString();
    for (const bare of [own, ...(await unblocked(session, await contacts(session, hasTo)))])
      for (const s of availableSessions(ctx, bare)) {
        const last = s.state.last;
        if (s.local !== session && last !== undefined) session.send(withAttrs(last, { to: me }));
      }
    await subs.deliverPending(session);
    available.run((err) => session.logger.error({ err }, "available hook failed"), session);
  };

  const becomeUnavailable = async (session: Session, stanza: Element) => {
    const state = presenceOf(session);
    if (!state.available) return;
    await broadcast(session, stanza);
    state.available = false;
    ctx.sessions.update(session, { available: false, last: undefined });
    state.directed.clear();
  };

  /** §4.6.2: directed presence; remembered for the final unavailable unless the target is a subscriber. */
  const directed = async (session: Session, stanza: Element, target: Jid) => {
    const state = presenceOf(session);
    const to = target.toString();
    deliverDirected(stanza, to);
    if (stanza.attrs.type === "unavailable") return void state.directed.delete(to);
    if (!state.available) return;
    const own = session.jid?.bare().toString();
    const bare = target.bare().toString();
    if (bare === own) return;
    const subscribers = await contacts(session, hasFrom);
    if (!subscribers.includes(bare)) state.directed.add(to);
  };

  /** §4.3.2: a client's own probe is answered when it is subscribed to the contact. */
  const probe = async (session: Session, target: Jid) => {
    const bare = target.bare().toString();
    // The router's screen has already refused a probe across a block, either way (router.ts).
    const subscribed = await contacts(session, hasTo);
    if (!subscribed.includes(bare) && bare !== session.jid?.bare().toString()) return;
    for (const s of availableSessions(ctx, bare)) {
      const last = s.state.last;
      if (last !== undefined) session.send(withAttrs(last, { to: session.jid?.toString() }));
    }
  };

  // Returned, so that a session replacing this one can wait for it (RFC 6120 §7.7.2.2, see bind.ts).
  ctx.hooks.unbound.add((session) => {
    if (!presenceOf(session).available) return;
    const gone = el("presence", { from: session.jid?.toString(), type: "unavailable" });
    return becomeUnavailable(session, gone).catch((err: unknown) =>
      session.logger.error({ err }, "unavailable broadcast failed"),
    );
  });

  // A dead cluster node's available sessions go unavailable for their contacts (its roster here;
  // directed presence to non-contacts was the dead node's memory and is lost with it).
  ctx.sessions.reaped.add((handle) => {
    if (!handle.state.available) return;
    const bare = handle.jid.bare().toString();
    const gone = el("presence", { from: handle.jid.toString(), type: "unavailable" });
    contactsOf(bare, ctx.logger, hasFrom)
      .then((subscribers) => fanOut(gone, [bare, ...subscribers]))
      .catch((err: unknown) => ctx.logger.error({ err }, "unavailable broadcast failed"));
  });

  return {
    available,
    async handle(session, stanza, target) {
      const type = stanza.attrs.type;
      if (isSubscriptionType(type)) {
        // §3.1.1: subscription stanzas are addressed to an account's bare JID.
        if (target?.local === undefined) return;
        return subs.outbound(session, stanza, target.bare());
      }
      if (type === "probe") return target === undefined ? undefined : probe(session, target);
      if (type === "error")
        return target === undefined ? undefined : deliverDirected(stanza, target.toString());
      if (type !== undefined && type !== "unavailable")
        return session.send(errorReply(stanza, "bad-request", { text: `Unknown presence type ${type}` }));
      if (target !== undefined) return directed(session, stanza, target);
      return type === "unavailable" ? becomeUnavailable(session, stanza) : becomeAvailable(session, stanza);
    },
  };
}
