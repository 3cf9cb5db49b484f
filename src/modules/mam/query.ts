// XEP-0313 §4 (querying the account's own archive, on its bare JID): a get of <query/> returns the
// form of supported fields (§4.1.5); a set pushes each match to the querying resource as
// <message><result queryid id><forwarded><delay/><message/></forwarded></result></message> (§4.2),
// oldest first, then answers with <fin complete?><set first last count/></fin> (XEP-0059 paging).
// An unknown after/before/ids id is item-not-found (§4.1.3). Also the archive metadata (§5: first
// and last id and time) for urn:xmpp:mam:2#extended.
import { el, type Element } from "../../xml/element.ts";
import { NS_CLIENT, NS_DATA, NS_DELAY, NS_FORWARD, NS_MAM, NS_RSM } from "../../ns.ts";
import type { IqContext, IqRegistry } from "../../router/iq-registry.ts";
import { errorReply, iqResult } from "../../stanza/errors.ts";
import { withAttrs } from "../../stanza/copy.ts";
import type { ChatDeps } from "../chat-deps.ts";
import { accountOf, readStored } from "../account-data/stored-xml.ts";
import {
  archiveIdTime,
  type ArchivedMessage,
  type ArchivePage,
  type ArchiveQuery,
} from "../../storage/mam.ts";
import { parseQuery } from "./query-form.ts";
import type { ArchiveWriter } from "./archive-writer.ts";

/** XEP-0059 §2.1: a page without <max/> has this many items (Prosody's default). */
export const DEFAULT_PAGE = 20;

const field = (type: string, name: string, ...children: Element[]) =>
  el("field", { type, var: name }, ...children);

function queryForm(): Element {
  return el(
    "x",
    { xmlns: NS_DATA, type: "form" },
    field("hidden", "FORM_TYPE", el("value", {}, NS_MAM)),
    field("jid-single", "with"),
    field("text-single", "start"),
    field("text-single", "end"),
    field("text-single", "before-id"),
    field("text-single", "after-id"),
    field(
      "list-multi",
      "ids",
      el(
        "validate",
        { xmlns: "http://jabber.org/protocol/xdata-validate", datatype: "xs:string" },
        el("open"),
      ),
    ),
  );
}

let seq = 0;

export function registerMamQuery(iq: IqRegistry, { ctx, storage }: ChatDeps, writer: ArchiveWriter): void {
  const forbidden = (c: IqContext) =>
    errorReply(c.iq, "forbidden", { text: "Only the account itself may read its archive" });

  iq.on("get", NS_MAM, "query", (c) => {
    if (!accountOf(c).own) return forbidden(c);
    return iqResult(c.iq, el("query", { xmlns: NS_MAM }, queryForm()));
  });

  iq.on("set", NS_MAM, "query", async (c) => {
    const { account, own } = accountOf(c);
    if (!own) return forbidden(c);
    const options = ctx.hosts.get(c.session.jid?.domain ?? "")?.options;
    const maxMax = options?.max_archive_query_results ?? 50;
    const parsed = parseQuery(c.payload, {
      defaultMax: Math.min(DEFAULT_PAGE, maxMax),
      maxMax,
      count: options?.mam_include_total ?? false,
    });
    if ("condition" in parsed) return errorReply(c.iq, parsed.condition, { text: parsed.text });
    // What was delivered before the query is in the archive: its queued writes go first.
    await writer.settled(account);
    const page = await queryNamingRecent(
      () => storage.store.queryArchive(account, parsed.query),
      parsed.query,
    );
    if (page === undefined)
      return errorReply(c.iq, "item-not-found", { text: "No such message in the archive" });
    const items = parsed.flip ? [...page.items].reverse() : page.items;
    const to = c.session.jid?.toString();
    const queryid = c.payload.attrs.queryid;
    for (const m of items) c.session.send(result(m, account, to, queryid));
    const first = items[0];
    const last = items[items.length - 1];
    const set = el("set", { xmlns: NS_RSM });
    if (first !== undefined && last !== undefined)
      set.append(el("first", {}, first.id), el("last", {}, last.id));
    if (page.count !== undefined) set.append(el("count", {}, String(page.count)));
    return iqResult(
      c.iq,
      el("fin", { xmlns: NS_MAM, ...(page.complete ? { complete: "true" } : {}), queryid }, set),
    );
  });

  iq.on("get", NS_MAM, "metadata", async (c) => {
    const { account, own } = accountOf(c);
    if (!own) return forbidden(c);
    await writer.settled(account);
    const { first, last } = await storage.store.archiveBounds(account);
    const point = (name: string, m: ArchivedMessage | undefined) =>
      m === undefined ? [] : [el(name, { id: m.id, timestamp: new Date(m.at).toISOString() })];
    return iqResult(c.iq, el("metadata", { xmlns: NS_MAM }, ...point("start", first), ...point("end", last)));
  });
}

function result(m: ArchivedMessage, account: string, to: string | undefined, queryid: string | undefined) {
  const stored = readStored(m.stanza, "archived message");
  return el(
    "message",
    { xmlns: NS_CLIENT, from: account, to, id: `mam${(seq = (seq + 1) % 1e9)}` },
    el(
      "result",
      { xmlns: NS_MAM, queryid, id: m.id },
      el(
        "forwarded",
        { xmlns: NS_FORWARD },
        el("delay", { xmlns: NS_DELAY, stamp: new Date(m.at).toISOString() }),
        withAttrs(stored, { xmlns: NS_CLIENT }),
      ),
    ),
  );
}

/** How long after its id was made an unknown id may still be in another cluster node's queue. */
const RECENT_MS = 2000;
const RETRY_MS = [5, 10, 20, 40, 80, 160, 320];

/**
 * The page; when an id the query names is unknown but was made moments ago, asked again a few times
 * (under a second in all) before it is item-not-found: in a cluster, a message this account received
 * through another node is delivered before that node's queue writes it (archive-writer.ts).
 */
async function queryNamingRecent(
  run: () => Promise<ArchivePage | undefined>,
  q: ArchiveQuery,
): Promise<ArchivePage | undefined> {
  let page = await run();
  const named = [...(q.after ?? []), ...(q.before ?? []), ...(q.ids ?? [])];
  for (const ms of RETRY_MS) {
    if (page !== undefined) return page;
    const now = Date.now();
    if (!named.some((id) => now - (archiveIdTime(id) ?? 0) < RECENT_MS)) return page;
    await new Promise((r) => setTimeout(r, ms));
    page = await run();
  }
  return page;
}
