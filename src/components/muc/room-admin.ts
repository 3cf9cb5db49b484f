// muc#admin (XEP-0045 §8 moderator and §9 admin use cases): kick (§8.2), voice (§8.3, §8.4), ban
// (§9.1), member, moderator, admin and owner lists (§9.3–§9.8, §10.3–§10.7), and the lists themselves.
import { el, type Element } from "../../xml/element.ts";
import { tryParseJid } from "../../jid.ts";
import { errorReply, iqResult } from "../../stanza/errors.ts";
import { accountExists } from "../../modules/account-exists.ts";
import type { Room } from "./room.ts";
import { NS_MUC_ADMIN } from "./ns.ts";
import { defaultRole, rankOf, type Affiliation, type Occupant, type Role } from "./occupant.ts";

const MAX_ITEMS = 100;
const AFFILIATIONS = ["owner", "admin", "member", "outcast", "none"] as const;
const ROLES = ["moderator", "participant", "visitor", "none"] as const;

type Fail = { condition: Parameters<typeof errorReply>[1]; text: string };

export async function adminIq(
  room: Room,
  iq: Element,
  payload: Element,
  actor: Occupant | undefined,
  actorBare: string,
): Promise<Element> {
  const mine = room.affiliationOf(actorBare);
  const items = payload.getChildren("item");
  if (items.length === 0 || items.length > MAX_ITEMS)
    return errorReply(iq, "bad-request", { text: `1 to ${MAX_ITEMS} items` });
  if (iq.attrs.type === "get") {
    const item = items[0]!;
    const affiliation = item.attrs.affiliation;
    if (affiliation !== undefined) {
      if (!(AFFILIATIONS as readonly string[]).includes(affiliation) || affiliation === "none")
        return errorReply(iq, "bad-request");
      if (rankOf(mine) < 2) return errorReply(iq, "forbidden");
      const list = [...room.affiliations].filter(([, a]) => a.affiliation === affiliation);
      return iqResult(
        iq,
        el(
          "query",
          { xmlns: NS_MUC_ADMIN },
          ...list.map(([jid, a]) =>
            el("item", { affiliation, jid }, ...(a.reason ? [el("reason", {}, a.reason)] : [])),
          ),
        ),
      );
    }
    const role = item.attrs.role;
    if (role === undefined || !(ROLES as readonly string[]).includes(role) || role === "none")
      return errorReply(iq, "bad-request");
    if (actor?.role !== "moderator") return errorReply(iq, "forbidden");
    const list = [...room.occupants.values()].filter((o) => o.role === role);
    return iqResult(
      iq,
      el(
        "query",
        { xmlns: NS_MUC_ADMIN },
        ...list.map((o) =>
          el("item", {
            role,
            nick: o.nick,
            jid: o.jid.toString(),
            affiliation: room.affiliationOf(o.jid.bare().toString()),
          }),
        ),
      ),
    );
  }
  // Every item is checked before any is applied (§9: all or nothing).
  const changes: (() => Promise<void> | void)[] = [];
  for (const item of items) {
    const reason = item.getChildText("reason")?.slice(0, 1024);
    const r =
      item.attrs.affiliation !== undefined
        ? await affiliationChange(room, item, mine, actor, reason)
        : roleChange(room, item, mine, actor, reason);
    if ("condition" in r) return errorReply(iq, r.condition, { text: r.text });
    changes.push(r.apply);
  }
  for (const apply of changes) await apply();
  return iqResult(iq);
}

function roleChange(
  room: Room,
  item: Element,
  mine: Affiliation,
  actor: Occupant | undefined,
  reason: string | undefined,
): Fail | { apply: () => void } {
  const role = item.attrs.role as Role | undefined;
  const nick = item.attrs.nick;
  if (role === undefined || !(ROLES as readonly string[]).includes(role) || nick === undefined)
    return { condition: "bad-request", text: "An item needs a nick and a role" };
  if (actor?.role !== "moderator") return { condition: "forbidden", text: "Only moderators change roles" };
  const target = room.occupants.get(nick);
  if (target === undefined) return { condition: "item-not-found", text: "No occupant has that nickname" };
  const theirs = room.affiliationOf(target.jid.bare().toString());
  // §8.2, §8.4: an admin or owner cannot be kicked or silenced; §9.7: only admins grant moderator.
  if (role === "moderator" || target.role === "moderator") {
    if (rankOf(mine) < 2) return { condition: "not-allowed", text: "Only admins change moderators" };
  }
  if (role !== "moderator" && rankOf(theirs) >= 2)
    return { condition: "not-allowed", text: "Admins and owners keep their role" };
  const extras = { actor: actor.nick, ...(reason === undefined ? {} : { reason }) };
  return {
    apply: () => {
      if (role === "none") return room.remove(target, [307], extras);
      if (target.role !== role) room.setRole(target, role, extras);
    },
  };
}

async function affiliationChange(
  room: Room,
  item: Element,
  mine: Affiliation,
  actor: Occupant | undefined,
  reason: string | undefined,
): Promise<Fail | { apply: () => Promise<void> }> {
  const affiliation = item.attrs.affiliation as Affiliation;
  if (!(AFFILIATIONS as readonly string[]).includes(affiliation))
    return { condition: "bad-request", text: "Unknown affiliation" };
  const jid = tryParseJid(item.attrs.jid ?? "");
  if (jid === undefined) return { condition: "bad-request", text: "An affiliation item needs a jid" };
  const bare = jid.bare().toString();
  const theirs = room.affiliationOf(bare);
  // §9: admins manage members and outcasts below admin; §10: owners manage admins and owners.
  if (rankOf(mine) < 2) return { condition: "forbidden", text: "Only admins and owners change affiliations" };
  if ((affiliation === "owner" || affiliation === "admin" || rankOf(theirs) >= 2) && mine !== "owner")
    return { condition: "not-allowed", text: "Only owners change admins and owners" };
  if (room.host.options.admins.includes(bare))
    return { condition: "not-allowed", text: "A service admin's affiliation cannot change" };
  if (theirs === "owner" && affiliation !== "owner") {
    const owners = [...room.affiliations.values()].filter((a) => a.affiliation === "owner").length;
    if (owners <= 1) return { condition: "conflict", text: "A room keeps at least one owner" };
  }
  if (
    affiliation !== "none" &&
    !room.affiliations.has(bare) &&
    room.affiliations.size >= room.host.options.muc_max_affiliations
  )
    return { condition: "resource-constraint", text: "This room has too many affiliations" };
  // An account of ours is only given an affiliation when the auth API knows it (user_exists).
  if (
    affiliation !== "none" &&
    affiliation !== "outcast" &&
    jid.local !== undefined &&
    room.env.ctx.hosts.has(jid.domain)
  ) {
    if ((await accountExists(room.env.ctx, jid.bare(), AbortSignal.timeout(10_000))) === "no")
      return { condition: "item-not-found", text: "No such account" };
  }
  return {
    apply: async () => {
      if (affiliation === "none") room.affiliations.delete(bare);
      else room.affiliations.set(bare, { affiliation, ...(reason === undefined ? {} : { reason }) });
      if (room.config.persistent)
        await room.env.storage.store.mucSetAffiliation(room.jid, bare, affiliation, reason);
      const extras = {
        ...(actor === undefined ? {} : { actor: actor.nick }),
        ...(reason === undefined ? {} : { reason }),
      };
      for (const o of [...room.occupants.values()].filter((x) => x.jid.bare().toString() === bare)) {
        if (affiliation === "outcast") room.remove(o, [301], extras);
        else if (affiliation === "none" && room.config.membersOnly) room.remove(o, [321], extras);
        else room.setRole(o, defaultRole(affiliation, room.config.moderated), extras);
      }
    },
  };
}
