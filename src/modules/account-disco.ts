// RFC 6121 §8.5: the server answers IQs to an account's bare JID on the account's behalf. Here:
// XEP-0030 disco#info (the account/registered identity, §3.1) and an empty disco#items.
import { el } from "../xml/element.ts";
import { NS_DISCO_INFO, NS_DISCO_ITEMS } from "../ns.ts";
import { IqRegistry } from "../router/iq-registry.ts";
import { errorReply, iqResult } from "../stanza/errors.ts";

/** Handlers for IQs to an account's bare JID (the sender's own or another local account's). */
export function createAccountIq(extraFeatures: readonly string[] = []): IqRegistry {
  const iq = new IqRegistry();
  iq.on("get", NS_DISCO_INFO, "query", ({ iq: stanza, payload }) => {
    if (payload.attrs.node !== undefined) return errorReply(stanza, "item-not-found");
    return iqResult(
      stanza,
      el(
        "query",
        { xmlns: NS_DISCO_INFO },
        el("identity", { category: "account", type: "registered" }),
        el("feature", { var: NS_DISCO_INFO }),
        el("feature", { var: NS_DISCO_ITEMS }),
        ...extraFeatures.map((f) => el("feature", { var: f })),
      ),
    );
  });
  iq.on("get", NS_DISCO_ITEMS, "query", ({ iq: stanza, payload }) =>
    payload.attrs.node !== undefined
      ? errorReply(stanza, "item-not-found")
      : iqResult(stanza, el("query", { xmlns: NS_DISCO_ITEMS })),
  );
  return iq;
}
