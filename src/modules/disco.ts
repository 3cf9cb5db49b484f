// XEP-0030 §3.1: the server's identity and features, built from the IQ namespaces handled.
import { el, type Element } from "../xml/element.ts";
import { NS_DISCO_INFO, NS_DISCO_ITEMS } from "../ns.ts";
import type { IqRegistry } from "../router/iq-registry.ts";
import { errorReply, iqResult } from "../stanza/errors.ts";

export function registerDisco(
  iq: IqRegistry,
  extraFeatures: () => readonly string[] = () => [],
  items: () => readonly Element[] = () => [],
): void {
  iq.on("get", NS_DISCO_INFO, "query", ({ iq: stanza, payload }) => {
    // Only the server itself is described here; accounts are answered by their owner module.
    if (stanza.attrs.to !== undefined && stanza.attrs.to.includes("@"))
      return errorReply(stanza, "service-unavailable");
    if (payload.attrs.node !== undefined) return errorReply(stanza, "item-not-found");
    const features = [
      ...new Set([NS_DISCO_INFO, NS_DISCO_ITEMS, ...iq.namespaces(), ...extraFeatures()]),
    ].sort();
    return iqResult(
      stanza,
      el(
        "query",
        { xmlns: NS_DISCO_INFO },
        el("identity", { category: "server", type: "im", name: "xmpp-http-auth" }),
        ...features.map((f) => el("feature", { var: f })),
      ),
    );
  });
  // XEP-0030 §4.1: the server's items are its components (as Prosody lists them).
  iq.on("get", NS_DISCO_ITEMS, "query", ({ iq: stanza }) =>
    iqResult(stanza, el("query", { xmlns: NS_DISCO_ITEMS }, ...items())),
  );
}
