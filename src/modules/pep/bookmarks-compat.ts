// XEP-0402 (PEP Native Bookmarks), its compatibility with XEP-0048 bookmarks in XEP-0049 private
// storage, which the server keeps in step both ways (advertised as urn:xmpp:bookmarks:1#compat): an
// item published or retracted on urn:xmpp:bookmarks:1 rewrites the private <storage
// xmlns='storage:bookmarks'/> (its <url/> and other children kept), and a private <storage/> stored
// publishes its conferences as items (id = room JID) and retracts the items it no longer lists.
import { el, serialize, type Element } from "../../xml/element.ts";
import { tryParseJid } from "../../jid.ts";
import { NS_BOOKMARKS, NS_BOOKMARKS2 } from "../../ns.ts";
import type { ChatDeps } from "../chat-deps.ts";
import type { PrivateStored } from "../account-data/private-storage.ts";
import { readStored } from "../account-data/stored-xml.ts";
import type { PepService } from "./pep-service.ts";
import { isFailure } from "./pubsub-error.ts";

export const NS_BOOKMARKS2_COMPAT = `${NS_BOOKMARKS2}#compat`;

/** XEP-0402 §3 / XEP-0223: bookmarks are private, persistent and unlimited in number. */
const NODE_OPTIONS: ReadonlyMap<string, string> = new Map([
  ["pubsub#access_model", "whitelist"],
  ["pubsub#persist_items", "true"],
  ["pubsub#max_items", "max"],
  ["pubsub#send_last_published_item", "never"],
]);

const truthy = (v: string | undefined) => v === "true" || v === "1";

/** A XEP-0402 <conference/> payload as a XEP-0048 <conference jid=…/>. */
function toLegacy(jid: string, c: Element): Element {
  const nick = c.getChildText("nick");
  const password = c.getChildText("password");
  return el(
    "conference",
    { jid, name: c.attrs.name, autojoin: truthy(c.attrs.autojoin) ? "true" : "false" },
    ...(nick === undefined ? [] : [el("nick", {}, nick)]),
    ...(password === undefined ? [] : [el("password", {}, password)]),
  );
}

/** A XEP-0048 <conference/> as a XEP-0402 payload, keeping the <extensions/> of `previous`. */
function toNative(c: Element, previous: Element | undefined): Element {
  const nick = c.getChildText("nick");
  const password = c.getChildText("password");
  const extensions = previous?.getChild("extensions");
  return el(
    "conference",
    { xmlns: NS_BOOKMARKS2, name: c.attrs.name, autojoin: truthy(c.attrs.autojoin) ? "true" : "false" },
    ...(nick === undefined ? [] : [el("nick", {}, nick)]),
    ...(password === undefined ? [] : [el("password", {}, password)]),
    ...(extensions === undefined ? [] : [extensions]),
  );
}

export function createBookmarksCompat(deps: ChatDeps, pep: PepService): PrivateStored {
  const { storage } = deps;

  const native = async (account: string) =>
    new Map(
      (await storage.store.pepItems(account, NS_BOOKMARKS2)).flatMap((i) =>
        i.xml === "" ? [] : [[i.id, readStored(i.xml, "PEP item")] as const],
      ),
    );

  /** Rewrites the private XEP-0048 element from the XEP-0402 items. */
  const toPrivate = async (account: string) => {
    const xml = await storage.store.getPrivate(account, "storage", NS_BOOKMARKS);
    const kept =
      xml === undefined
        ? []
        : readStored(xml, "private element").elements.filter((e) => e.name !== "conference");
    const conferences = [...(await native(account))].map(([jid, c]) => toLegacy(jid, c));
    const next = el("storage", { xmlns: NS_BOOKMARKS }, ...conferences, ...kept);
    await storage.store.setPrivate(account, "storage", NS_BOOKMARKS, serialize(next));
  };

  pep.published.add((account, node) => (node === NS_BOOKMARKS2 ? toPrivate(account) : undefined));
  pep.retracted.add((account, node) => (node === NS_BOOKMARKS2 ? toPrivate(account) : undefined));

  return async (account, element) => {
    if (element.name !== "storage" || element.xmlns !== NS_BOOKMARKS) return;
    const current = await native(account);
    const wanted = new Map<string, Element>();
    for (const c of element.getChildren("conference")) {
      const jid = c.attrs.jid === undefined ? undefined : tryParseJid(c.attrs.jid)?.toString();
      if (jid !== undefined) wanted.set(jid, toNative(c, current.get(jid)));
    }
    if (wanted.size > 0 && (await storage.store.pepNode(account, NS_BOOKMARKS2)) === undefined) {
      const created = await pep.create(account, NS_BOOKMARKS2, NODE_OPTIONS);
      if (isFailure(created) && created.condition !== "conflict")
        throw new Error(`bookmarks node: ${created.condition}`);
    }
    for (const [jid, payload] of wanted) {
      const before = current.get(jid);
      if (before !== undefined && serialize(before) === serialize(payload)) continue;
      const r = await pep.publish(account, NS_BOOKMARKS2, el("item", { id: jid }, payload), undefined, true);
      if (isFailure(r)) throw new Error(`bookmark publish: ${r.condition}`);
    }
    for (const jid of current.keys())
      if (!wanted.has(jid)) await pep.retract(account, NS_BOOKMARKS2, jid, true, true);
  };
}
