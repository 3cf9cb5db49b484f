// What goes in a user's archive (XEP-0313 §6.1.1, user archives, and Prosody's mod_mam rules): chat and normal
// messages with content (a body, an encrypted payload, or a XEP-0334 <store/> hint); never errors,
// headlines or groupchat (MUC archives are the room's); never those hinted <no-store/> or
// <no-permanent-store/> (XEP-0334 §4). And XEP-0359 §3.3: stanza-ids that claim to come from one of
// our accounts are removed from what a client sends, so nobody can forge an archive id.
import { NS_HINTS, NS_SID } from "../../ns.ts";
import { tryParseJid } from "../../jid.ts";
import { Element } from "../../xml/element.ts";

const ENCRYPTED: readonly [string, string][] = [
  ["encryption", "urn:xmpp:eme:0"], // XEP-0380
  ["encrypted", "eu.siacs.conversations.axolotl"], // OMEMO (legacy)
  ["encrypted", "urn:xmpp:omemo:2"], // XEP-0384
  ["openpgp", "urn:xmpp:openpgp:0"], // XEP-0373
];

export function archivable(stanza: Element): boolean {
  if (stanza.name !== "message") return false;
  const type = stanza.attrs.type ?? "normal";
  if (type !== "chat" && type !== "normal") return false;
  if (stanza.getChild("no-store", NS_HINTS) !== undefined) return false;
  if (stanza.getChild("no-permanent-store", NS_HINTS) !== undefined) return false;
  if (stanza.getChild("store", NS_HINTS) !== undefined) return true;
  if (stanza.getChild("body") !== undefined) return true;
  return ENCRYPTED.some(([name, ns]) => stanza.getChild(name, ns) !== undefined);
}

/** The stanza without stanza-ids whose `by` is one of `hosts` or an account there (or itself when none). */
export function withoutOurStanzaIds(stanza: Element, hosts: ReadonlyMap<string, unknown>): Element {
  const ours = (c: unknown) => {
    if (!(c instanceof Element) || c.name !== "stanza-id" || c.xmlns !== NS_SID) return false;
    const by = tryParseJid(c.attrs.by ?? "");
    // An unparseable `by` is dropped too: it could be a spelling of ours the parser refuses.
    return by === undefined || hosts.has(by.domain);
  };
  if (!stanza.children.some(ours)) return stanza;
  return new Element(
    stanza.name,
    { ...stanza.attrs },
    stanza.children.filter((c) => !ours(c)),
  );
}
