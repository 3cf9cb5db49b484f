// RFC 6121 §8.5: the server answers IQs to an account's bare JID on the account's behalf. Here:
// XEP-0030 disco#info (the account/registered identity, §3.1, and the features modules registered
// for accounts) and an empty disco#items.
import { el } from "../xml/element.ts";
import { NS_DISCO_INFO, NS_DISCO_ITEMS } from "../ns.ts";
import { IqRegistry } from "../router/iq-registry.ts";
import { errorReply, iqResult } from "../stanza/errors.ts";
import type { DiscoRegistry } from "./disco/registry.ts";
import { infoQuery } from "./disco.ts";

/** Handlers for IQs to an account's bare JID (the sender's own or another local account's). */
export function createAccountIq(disco: DiscoRegistry): IqRegistry {
  const iq = new IqRegistry();
  disco.addAccountFeature(NS_DISCO_INFO, NS_DISCO_ITEMS);
  iq.on("get", NS_DISCO_INFO, "query", ({ iq: stanza, payload }) => {
    if (payload.attrs.node !== undefined) return errorReply(stanza, "item-not-found");
    return iqResult(
      stanza,
      infoQuery({ identities: [{ category: "account", type: "registered" }], features: disco.account() }),
    );
  });
  iq.on("get", NS_DISCO_ITEMS, "query", ({ iq: stanza, payload }) =>
    payload.attrs.node !== undefined
      ? errorReply(stanza, "item-not-found")
      : iqResult(stanza, el("query", { xmlns: NS_DISCO_ITEMS })),
  );
  return iq;
}
