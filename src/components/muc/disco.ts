// XEP-0030 on the MUC service and its rooms (XEP-0045 §6): the service's identity and public rooms,
// a room's identity, features (§6.4, muc_* per §15.6) and muc#roominfo form.
import { el, type Element } from "../../xml/element.ts";
import { NS_DATA, NS_DISCO_INFO, NS_DISCO_ITEMS, NS_PING, NS_VCARD } from "../../ns.ts";
import type { Room } from "./room.ts";
import { NS_MAM, NS_MUC, NS_MUC_ROOMINFO, NS_SID } from "./ns.ts";

const features = (...vars: string[]) => vars.map((v) => el("feature", { var: v }));

export function serviceInfo(name: string): Element {
  return el(
    "query",
    { xmlns: NS_DISCO_INFO },
    el("identity", { category: "conference", type: "text", name }),
    ...features(NS_DISCO_INFO, NS_DISCO_ITEMS, NS_MUC, NS_PING),
  );
}

/** §6.3: the public, configured rooms. */
export function serviceItems(rooms: Iterable<Room>): Element {
  const items: Element[] = [];
  for (const r of rooms)
    if (r.config.public && !r.locked && !r.destroyed)
      items.push(el("item", { jid: r.jid, name: r.config.name || r.jid.slice(0, r.jid.indexOf("@")) }));
  return el("query", { xmlns: NS_DISCO_ITEMS }, ...items);
}

export function roomInfo(room: Room): Element {
  const c = room.config;
  const field = (v: string, value: string, type?: string) =>
    el("field", { var: v, type }, el("value", {}, value));
  return el(
    "query",
    { xmlns: NS_DISCO_INFO },
    el("identity", {
      category: "conference",
      type: "text",
      name: c.name || room.jid.slice(0, room.jid.indexOf("@")),
    }),
    ...features(
      NS_MUC,
      NS_DISCO_INFO,
      NS_SID,
      NS_VCARD,
      c.public ? "muc_public" : "muc_hidden",
      c.persistent ? "muc_persistent" : "muc_temporary",
      c.membersOnly ? "muc_membersonly" : "muc_open",
      c.moderated ? "muc_moderated" : "muc_unmoderated",
      c.password === "" ? "muc_unsecured" : "muc_passwordprotected",
      c.whois === "anyone" ? "muc_nonanonymous" : "muc_semianonymous",
      ...(c.logging ? [NS_MAM] : []),
    ),
    el(
      "x",
      { xmlns: NS_DATA, type: "result" },
      field("FORM_TYPE", NS_MUC_ROOMINFO, "hidden"),
      field("muc#roominfo_description", c.description),
      field("muc#roominfo_occupants", String(room.occupants.size)),
      field("muc#roominfo_subject", room.subject?.text ?? ""),
      field("muc#roomconfig_roomname", c.name),
    ),
  );
}
