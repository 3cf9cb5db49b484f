// RFC 6121 §8.5: the server answers IQs to an account's bare JID on the account's behalf. Here:
// XEP-0030 disco#info (the account/registered identity, §3.1, and the features modules registered
// for accounts) and disco#items, which features such as PEP (XEP-0163 §6) extend with identities,
// features, items and node info of their own.
import { el, type Element } from "../xml/element.ts";
import { NS_DISCO_INFO, NS_DISCO_ITEMS } from "../ns.ts";
import { IqRegistry } from "../router/iq-registry.ts";
import { errorReply, iqResult } from "../stanza/errors.ts";
import { accountOf } from "./account-data/stored-xml.ts";
import type { DiscoRegistry } from "./disco/registry.ts";

/** What a feature adds to an account's disco answers; `requester` is the asker's bare JID. */
export interface AccountDiscoExtension {
  readonly identities: readonly Element[];
  readonly features: readonly string[];
  /** disco#items entries of the account (no node). */
  items(account: string, requester: string): Promise<Element[]>;
  /** disco#info children for a node of the account, or undefined when it is not this feature's. */
  nodeInfo(account: string, requester: string, node: string): Promise<Element[] | undefined>;
}

/** Handlers for IQs to an account's bare JID (the sender's own or another local account's). */
export function createAccountIq(
  disco: DiscoRegistry,
  extensions: readonly AccountDiscoExtension[] = [],
): IqRegistry {
  const iq = new IqRegistry();
  disco.addAccountFeature(NS_DISCO_INFO, NS_DISCO_ITEMS);
  iq.on("get", NS_DISCO_INFO, "query", async (c) => {
    const { iq: stanza, payload } = c;
    const node = payload.attrs.node;
    if (node !== undefined) {
      const { account } = accountOf(c);
      const requester = c.session.jid?.bare().toString() ?? "";
      for (const x of extensions) {
        const info = await x.nodeInfo(account, requester, node);
        if (info !== undefined) return iqResult(stanza, el("query", { xmlns: NS_DISCO_INFO, node }, ...info));
      }
      return errorReply(stanza, "item-not-found");
    }
    return iqResult(
      stanza,
      el(
        "query",
        { xmlns: NS_DISCO_INFO },
        el("identity", { category: "account", type: "registered" }),
        ...extensions.flatMap((x) => x.identities),
        ...[...new Set([...disco.account(), ...extensions.flatMap((x) => x.features)])]
          .sort()
          .map((f) => el("feature", { var: f })),
      ),
    );
  });
  iq.on("get", NS_DISCO_ITEMS, "query", async (c) => {
    if (c.payload.attrs.node !== undefined) return errorReply(c.iq, "item-not-found");
    const { account } = accountOf(c);
    const requester = c.session.jid?.bare().toString() ?? "";
    const items: Element[] = [];
    for (const x of extensions) items.push(...(await x.items(account, requester)));
    return iqResult(c.iq, el("query", { xmlns: NS_DISCO_ITEMS }, ...items));
  });
  return iq;
}
