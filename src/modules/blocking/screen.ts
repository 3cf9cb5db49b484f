// XEP-0191 §3.5 (with XEP-0016 §2.1's matching, which XEP-0191 §6 adopts): stanzas between a local
// account and a JID it blocked. Outbound, the user's own stanza is refused with not-acceptable and
// <blocked xmlns='urn:xmpp:blocking:errors'/>; inbound, presence is dropped silently, messages and
// IQ get/set are answered service-unavailable (the user appears offline), anything else is dropped.
import { el, type Element } from "../../xml/element.ts";
import { tryParseJid, type Jid } from "../../jid.ts";
import type { Session } from "../../stream/session.ts";
import { NS_BLOCKING_ERRORS } from "../../ns.ts";
import { errorReply, mayReplyWithError } from "../../stanza/errors.ts";
import type { ChatStore } from "../../storage/store.ts";

/** XEP-0016 §2.1: the list entries that match `jid`: full, bare, domain/resource, domain. */
export function jidCandidates(jid: Jid): string[] {
  const bare = jid.bare().toString();
  const out = [jid.toString(), bare];
  if (jid.resource !== undefined) out.push(`${jid.domain}/${jid.resource}`);
  out.push(jid.domain);
  return [...new Set(out)];
}

export type BlockDirection = "outbound" | "inbound" | undefined;

export interface BlockScreen {
  /** Whether `from` blocked `to` (outbound) or a local `to` blocked `from` (inbound). */
  direction(from: Jid, to: Jid): Promise<BlockDirection>;
  /** Those of `others` (JID strings) a block separates from `me`, either way; two queries in all. */
  separated(me: Jid, others: readonly string[]): Promise<Set<string>>;
  /**
   * Applies §3.5 to a stanza `session` sent to `target` (a JID of a local host): true when the
   * stanza was stopped (and answered where the XEP says so), false when it may be routed.
   */
  screen(session: Session, stanza: Element, target: Jid): Promise<boolean>;
}

/** `storage` is the chat store handle (or anything with the open store as `store`). */
export function createBlockScreen(storage: { readonly store: ChatStore }): BlockScreen {
  const direction = async (from: Jid, to: Jid): Promise<BlockDirection> => {
    if (from.bare().equals(to.bare())) return undefined;
    const store = storage.store;
    const [out, inb] = await Promise.all([
      from.local === undefined ? false : store.blocksAny(from.bare().toString(), jidCandidates(to)),
      to.local === undefined ? false : store.blocksAny(to.bare().toString(), jidCandidates(from)),
    ]);
    return out ? "outbound" : inb ? "inbound" : undefined;
  };

  const separated = async (me: Jid, others: readonly string[]) => {
    const store = storage.store;
    const own = me.bare().toString();
    const hidden = new Set<string>();
    const parsed: [string, Jid][] = [];
    for (const o of others) {
      const j = tryParseJid(o);
      if (j === undefined) hidden.add(o);
      else if (j.bare().toString() !== own) parsed.push([o, j]);
    }
    if (parsed.length === 0) return hidden;
    const mine = new Set(me.local === undefined ? [] : await store.blocklist(own));
    const accounts = [
      ...new Set(parsed.filter(([, j]) => j.local !== undefined).map(([, j]) => j.bare().toString())),
    ];
    const blockers = new Set(await store.blockersAmong(accounts, jidCandidates(me)));
    for (const [o, j] of parsed)
      if (blockers.has(j.bare().toString()) || jidCandidates(j).some((c) => mine.has(c))) hidden.add(o);
    return hidden;
  };

  return {
    direction,
    separated,
    async screen(session, stanza, target) {
      const from = session.jid;
      if (from === undefined || target.local === undefined) return false;
      let dir: BlockDirection;
      try {
        dir = await direction(from, target);
      } catch (err) {
        // The blocklist cannot be read: the stanza is held back rather than risk delivering it.
        session.logger.error({ err }, "blocklist read failed");
        if (stanza.name !== "presence" && mayReplyWithError(stanza))
          session.send(errorReply(stanza, "internal-server-error", { type: "wait" }));
        return true;
      }
      if (dir === undefined) return false;
      if (!mayReplyWithError(stanza)) return true;
      if (dir === "outbound") {
        const reply = errorReply(stanza, "not-acceptable", { type: "cancel" });
        reply.getChild("error")?.append(el("blocked", { xmlns: NS_BLOCKING_ERRORS }));
        session.send(reply);
        return true;
      }
      const type = stanza.attrs.type;
      if (stanza.name === "message" || (stanza.name === "iq" && (type === "get" || type === "set")))
        session.send(errorReply(stanza, "service-unavailable"));
      return true;
    },
  };
}
