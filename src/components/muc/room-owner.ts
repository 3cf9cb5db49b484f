// muc#owner (XEP-0045 §10): the configuration form (§10.2; an instant room accepts an empty submit,
// §10.1.2; a cancel destroys a locked new room, §10.1.3) and room destruction (§10.9).
import { el, type Element } from "../../xml/element.ts";
import { tryParseJid } from "../../jid.ts";
import { errorReply, iqResult } from "../../stanza/errors.ts";
import { NS_DATA } from "../../ns.ts";
import type { Room } from "./room.ts";
import { NS_MUC_OWNER, NS_MUC_USER } from "./ns.ts";
import { applyConfigForm, configForm } from "./room-config.ts";

export async function ownerIq(
  room: Room,
  iq: Element,
  payload: Element,
  actorBare: string,
): Promise<Element> {
  if (room.affiliationOf(actorBare) !== "owner")
    return errorReply(iq, "forbidden", { text: "Only owners configure the room" });
  const max = {
    maxUsers: room.host.options.muc_max_occupants,
    maxHistory: room.host.options.max_history_messages,
  };
  if (iq.attrs.type === "get")
    return iqResult(iq, el("query", { xmlns: NS_MUC_OWNER }, configForm(room.config, max.maxUsers)));
  const destroy = payload.getChild("destroy");
  if (destroy !== undefined) {
    const venue = destroy.attrs.jid === undefined ? undefined : tryParseJid(destroy.attrs.jid);
    if (destroy.attrs.jid !== undefined && venue === undefined) return errorReply(iq, "jid-malformed");
    await destroyRoom(
      room,
      venue?.toString(),
      destroy.getChildText("reason")?.slice(0, 1024),
      destroy.getChildText("password")?.slice(0, 256),
    );
    return iqResult(iq);
  }
  const form = payload.getChild("x", NS_DATA);
  if (form === undefined)
    return errorReply(iq, "bad-request", { text: "A data form or <destroy/> is expected" });
  if (form.attrs.type === "cancel") {
    if (room.locked) await destroyRoom(room, undefined, undefined, undefined);
    return iqResult(iq);
  }
  if (form.attrs.type !== "submit")
    return errorReply(iq, "bad-request", { text: "The form must be submitted" });
  const next = applyConfigForm(room.config, form, max);
  if (typeof next === "string") return errorReply(iq, "not-acceptable", { text: next });
  const before = room.config;
  const wasLocked = room.locked;
  room.config = next;
  room.locked = false;
  try {
    if (next.persistent) {
      await room.host.save(room);
      if (!before.persistent || wasLocked)
        for (const [jid, a] of room.affiliations)
          await room.env.storage.store.mucSetAffiliation(room.jid, jid, a.affiliation, a.reason);
    } else if (before.persistent) {
      await room.env.storage.store.mucDeleteRoom(room.jid);
    }
  } catch (err) {
    room.env.logger.error({ err, room: room.jid }, "saving a room's configuration failed");
    room.config = before;
    room.locked = wasLocked;
    return errorReply(iq, "internal-server-error", { type: "wait" });
  }
  // §10.2.1: occupants learn of changes (104; 170/171 logging; 172/173 anonymity).
  if (!wasLocked) {
    const codes = [104];
    if (next.logging !== before.logging) codes.push(next.logging ? 170 : 171);
    if (next.whois !== before.whois) codes.push(next.whois === "anyone" ? 172 : 173);
    room.notify([el("x", { xmlns: NS_MUC_USER }, ...codes.map((c) => el("status", { code: String(c) })))]);
  }
  // §9.3 / §15.2: a room become members-only removes non-members (322).
  if (next.membersOnly && !before.membersOnly)
    for (const o of [...room.occupants.values()])
      if (room.affiliationOf(o.jid.bare().toString()) === "none") room.remove(o, [322]);
  if (next.historyLength < room.history.length)
    room.history.splice(0, room.history.length - next.historyLength);
  if (room.occupants.size === 0 && !next.persistent) room.host.gone(room);
  return iqResult(iq);
}

/** §10.9: each occupant gets its own unavailable presence with <destroy/>; the room and its records go. */
export async function destroyRoom(
  room: Room,
  venue: string | undefined,
  reason: string | undefined,
  password: string | undefined,
): Promise<void> {
  room.destroyed = true;
  const destroy = el(
    "destroy",
    { jid: venue },
    ...(reason === undefined ? [] : [el("reason", {}, reason)]),
    ...(password === undefined ? [] : [el("password", {}, password)]),
  );
  for (const o of [...room.occupants.values()]) {
    room.occupants.delete(o.nick);
    room.byReal.delete(o.jid.toString());
    room.env.send(
      el(
        "presence",
        { from: room.occupantJid(o.nick), to: o.jid.toString(), type: "unavailable" },
        el(
          "x",
          { xmlns: NS_MUC_USER },
          el("item", { affiliation: "none", role: "none" }),
          destroy,
          el("status", { code: "110" }),
        ),
      ),
    );
  }
  room.host.gone(room);
  if (room.config.persistent) await room.env.storage.store.mucDeleteRoom(room.jid);
}
