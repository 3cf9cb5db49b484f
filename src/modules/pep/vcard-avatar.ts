// XEP-0398 (User Avatar to vCard-Based Avatars Conversion), the simple parts: a vCard stored with a
// PHOTO (BINVAL) is published as a XEP-0084 avatar (data item and metadata, id = SHA-1 hex of the
// image), and an avatar published through PEP becomes the PHOTO of the stored vCard (its other
// fields kept). Each side writes the other quietly, so neither loops. The vcard-temp:x:update hash in
// presence (XEP-0153) is left to the clients.
import { createHash } from "node:crypto";
import { el, serialize, type Element } from "../../xml/element.ts";
import { NS_AVATAR_DATA, NS_AVATAR_METADATA, NS_VCARD } from "../../ns.ts";
import type { ChatDeps } from "../chat-deps.ts";
import type { VcardStored } from "../account-data/vcard.ts";
import { readStored } from "../account-data/stored-xml.ts";
import type { PepService } from "./pep-service.ts";
import { isFailure } from "./pubsub-error.ts";

export function createVcardAvatar(deps: ChatDeps, pep: PepService): VcardStored {
  const { storage, ctx } = deps;

  /** PEP → vCard: the metadata's first <info/> names a data item of this account. */
  pep.published.add(async (account, node, _id, payload) => {
    if (node !== NS_AVATAR_METADATA) return;
    const info = payload.getChild("info");
    const xml = await storage.store.getVcard(account);
    const vcard = xml === undefined ? el("vCard", { xmlns: NS_VCARD }) : readStored(xml, "vCard");
    const others = vcard.children.filter((c) => typeof c === "string" || c.name !== "PHOTO");
    let photo: Element | undefined;
    if (info?.attrs.id !== undefined) {
      const [data] = await storage.store.pepItems(account, NS_AVATAR_DATA, { ids: [info.attrs.id] });
      if (data === undefined || data.xml === "") return; // the image lives elsewhere (an <info url/>)
      const binval = readStored(data.xml, "PEP item").text();
      photo = el("PHOTO", {}, el("TYPE", {}, info.attrs.type ?? "image/png"), el("BINVAL", {}, binval));
    }
    const next = el("vCard", { ...vcard.attrs }, ...others, ...(photo === undefined ? [] : [photo]));
    const max = ctx.hosts.get(account.slice(account.indexOf("@") + 1))?.options.vcard_max_size ?? 0;
    const text = serialize(next);
    if (Buffer.byteLength(text, "utf8") <= max) await storage.store.setVcard(account, text);
  });

  /** vCard → PEP. */
  return async (account, vcard) => {
    const photo = vcard.getChild("PHOTO");
    const binval = photo?.getChildText("BINVAL")?.replace(/\s+/g, "");
    if (photo === undefined || binval === undefined || binval === "") return;
    const bytes = Buffer.from(binval, "base64");
    const id = createHash("sha1").update(bytes).digest("hex");
    const type = photo.getChildText("TYPE")?.trim() || "image/png";
    const [current] = await storage.store.pepItems(account, NS_AVATAR_METADATA, { max: 1 });
    if (current !== undefined && current.id === id) return;
    const data = await pep.publish(
      account,
      NS_AVATAR_DATA,
      el("item", { id }, el("data", { xmlns: NS_AVATAR_DATA }, bytes.toString("base64"))),
      undefined,
      true,
    );
    if (isFailure(data)) return; // too large for PEP: the vCard alone carries it
    const info = el("info", { id, bytes: String(bytes.length), type });
    await pep.publish(
      account,
      NS_AVATAR_METADATA,
      el("item", { id }, el("metadata", { xmlns: NS_AVATAR_METADATA }, info)),
      undefined,
      true,
    );
  };
}
