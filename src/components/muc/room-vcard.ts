// A room's vCard (XEP-0054 on the room JID, as XEP-0486 avatars use it): anyone reads it, owners set
// it; kept with the room's configuration, so a persistent room keeps it across restarts.
import { el, type Element } from "../../xml/element.ts";
import { errorReply, iqResult } from "../../stanza/errors.ts";
import { NS_VCARD } from "../../ns.ts";
import { parseStoredElement } from "../../xml/parse-stored.ts";
import type { Room } from "./room.ts";

/** Bytes of a room's serialized vCard (a small avatar fits). */
export const ROOM_VCARD_MAX = 128 * 1024;

export async function vcardIq(
  room: Room,
  iq: Element,
  payload: Element,
  requesterBare: string,
): Promise<Element> {
  if (iq.attrs.type === "get") {
    const stored = room.config.vcard === "" ? undefined : parseStoredElement(room.config.vcard);
    return iqResult(iq, stored ?? el("vCard", { xmlns: NS_VCARD }));
  }
  if (room.affiliationOf(requesterBare) !== "owner")
    return errorReply(iq, "forbidden", { text: "Only owners set the room's vCard" });
  const xml = payload.toString();
  if (Buffer.byteLength(xml) > ROOM_VCARD_MAX)
    return errorReply(iq, "not-acceptable", { text: `At most ${ROOM_VCARD_MAX} bytes` });
  const before = room.config;
  room.config = { ...before, vcard: payload.elements.length === 0 ? "" : xml };
  try {
    await room.host.save(room);
  } catch (err) {
    room.config = before;
    room.env.logger.error({ err, room: room.jid }, "saving a room's vCard failed");
    return errorReply(iq, "internal-server-error", { type: "wait" });
  }
  return iqResult(iq);
}
