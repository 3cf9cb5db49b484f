// XEP-0054 §3 (vcard-temp): an account reads and replaces its own vCard (§3.2; another's → forbidden)
// and anyone reads another local account's (§3.3, by bare JID; the router answers an unknown account
// with service-unavailable, RFC 6121 §8.5.1). No vCard stored is item-not-found, as in Prosody. A
// vCard larger than vcard_max_size bytes is refused with not-acceptable.
import { NS_VCARD } from "../../ns.ts";
import type { Element } from "../../xml/element.ts";
import type { IqRegistry } from "../../router/iq-registry.ts";
import { errorReply, iqResult } from "../../stanza/errors.ts";
import type { ChatDeps } from "../chat-deps.ts";
import { accountOf, readStored, storedSize } from "./stored-xml.ts";

/** Told of each vCard stored, after it was stored (XEP-0398 publishes its PHOTO as a PEP avatar). */
export type VcardStored = (account: string, vcard: Element) => Promise<void>;

export function registerVcard(iq: IqRegistry, deps: ChatDeps, stored?: VcardStored): void {
  const { ctx, storage } = deps;

  iq.on("get", NS_VCARD, "vCard", async (c) => {
    const xml = await storage.store.getVcard(accountOf(c).account);
    if (xml === undefined) return errorReply(c.iq, "item-not-found");
    return iqResult(c.iq, readStored(xml, "vCard"));
  });

  iq.on("set", NS_VCARD, "vCard", async (c) => {
    const { account, own } = accountOf(c);
    if (!own) return errorReply(c.iq, "forbidden");
    const max = ctx.hosts.get(c.session.jid?.domain ?? "")?.options.vcard_max_size ?? 0;
    if (storedSize(c.payload) > max)
      return errorReply(c.iq, "not-acceptable", { text: `Larger than vcard_max_size (${max} bytes)` });
    await storage.store.setVcard(account, c.payload.toString());
    await stored?.(account, c.payload).catch((err: unknown) =>
      c.session.logger.error({ err }, "vCard sync failed"),
    );
    return iqResult(c.iq);
  });
}
