// XEP-0313 on the room JID (§6.1.2 archives of MUC rooms): the room's archive, paged with RSM; each
// result forwards the message as broadcast, with its delay and XEP-0359 id.
import { el, type Element } from "../../xml/element.ts";
import { errorReply, iqResult } from "../../stanza/errors.ts";
import { parseStoredElement } from "../../xml/parse-stored.ts";
import { NS_DATA, NS_DELAY, NS_FORWARD } from "../../ns.ts";
import type { Room } from "./room.ts";
import { NS_MAM, NS_RSM } from "./ns.ts";
import { parseQuery } from "../../modules/mam/query-form.ts";
import { rankOf } from "./occupant.ts";

const field = (v: string, type: string) => el("field", { var: v, type });

/** RSM max: a page of 50 unless asked, never more than 250. */
const ROOM_PAGE = { defaultMax: 50, maxMax: 250, count: false };

export async function mamIq(
  room: Room,
  iq: Element,
  payload: Element,
  requesterBare: string,
): Promise<Element> {
  if (!room.config.logging)
    return errorReply(iq, "service-unavailable", { text: "This room keeps no archive" });
  const affiliation = room.affiliationOf(requesterBare);
  if (affiliation === "outcast" || (room.config.membersOnly && rankOf(affiliation) < 1))
    return errorReply(iq, "forbidden", { text: "Only members may read this room's archive" });
  if (iq.attrs.type === "get")
    return iqResult(
      iq,
      el(
        "query",
        { xmlns: NS_MAM },
        el(
          "x",
          { xmlns: NS_DATA, type: "form" },
          el("field", { var: "FORM_TYPE", type: "hidden" }, el("value", {}, NS_MAM)),
          field("with", "jid-single"),
          field("start", "text-single"),
          field("end", "text-single"),
          field("before-id", "text-single"),
          field("after-id", "text-single"),
        ),
      ),
    );
  // The same query as on an account's archive (XEP-0313 §4.1, §4.3).
  const parsed = parseQuery(payload, ROOM_PAGE);
  if ("condition" in parsed) return errorReply(iq, parsed.condition, { text: parsed.text });
  const q = parsed.query;
  if (q.ids !== undefined)
    return errorReply(iq, "feature-not-implemented", { text: "A room's archive is not queried by ids" });
  // `with` on a room archive is an occupant JID (room/nick).
  let nick: string | undefined;
  if (q.with !== undefined) {
    if (!q.with.startsWith(`${room.jid}/`)) return iqResult(iq, fin(true, []));
    nick = q.with.slice(room.jid.length + 1);
  }
  // One bound each way: RSM's id, else the form's.
  const page = await room.env.storage.store.mucQuery(room.jid, {
    nick,
    start: q.start,
    end: q.end,
    afterId: q.after?.at(-1),
    beforeId: q.before?.at(-1),
    max: q.max,
    fromEnd: q.backwards,
  });
  if (page === undefined)
    return errorReply(iq, "item-not-found", { text: "No such message in this archive" });
  for (const row of page.rows) {
    const message = parseStoredElement(row.stanza);
    if (message === undefined) continue;
    room.env.send(
      el(
        "message",
        { from: room.jid, to: iq.attrs.from, id: `${iq.attrs.id ?? ""}-${row.stanzaId}` },
        el(
          "result",
          { xmlns: NS_MAM, queryid: payload.attrs.queryid?.slice(0, 256), id: row.stanzaId },
          el(
            "forwarded",
            { xmlns: NS_FORWARD },
            el("delay", { xmlns: NS_DELAY, stamp: new Date(row.ts).toISOString() }),
            message,
          ),
        ),
      ),
    );
  }
  const ids = page.rows.map((r) => r.stanzaId);
  return iqResult(iq, fin(page.complete, ids));
}

function fin(complete: boolean, ids: string[]): Element {
  const set = el("set", { xmlns: NS_RSM });
  if (ids.length > 0) set.append(el("first", {}, ids[0]!), el("last", {}, ids[ids.length - 1]!));
  return el("fin", { xmlns: NS_MAM, complete: complete ? "true" : undefined }, set);
}
