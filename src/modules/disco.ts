// XEP-0030 §3.1 and §4.1: the server's identity and features, and its nodes (§3.2, §4.2), all from
// what modules registered in the DiscoRegistry (./disco/registry.ts).
import { el, type Element } from "../xml/element.ts";
import { NS_DISCO_INFO, NS_DISCO_ITEMS } from "../ns.ts";
import type { IqRegistry } from "../router/iq-registry.ts";
import { errorReply, iqResult } from "../stanza/errors.ts";
import type { DiscoRegistry, NodeInfo } from "./disco/registry.ts";

export const SERVER_IDENTITY = { category: "server", type: "im", name: "xmpp-http-auth" } as const;

/** A disco#info <query/> (XEP-0030 §3.1), the node echoed when one was asked (§3.2). */
export function infoQuery(info: NodeInfo, node?: string): Element {
  return el(
    "query",
    { xmlns: NS_DISCO_INFO, node },
    ...info.identities.map((i) => el("identity", { category: i.category, type: i.type, name: i.name })),
    ...[...new Set(info.features)].sort().map((f) => el("feature", { var: f })),
  );
}

export function registerDisco(iq: IqRegistry, disco: DiscoRegistry): void {
  disco.addServerFeature(NS_DISCO_INFO, NS_DISCO_ITEMS);
  iq.on("get", NS_DISCO_INFO, "query", ({ session, iq: stanza, payload }) => {
    // Only the server itself is described here; accounts are answered by their owner module.
    if (stanza.attrs.to !== undefined && stanza.attrs.to.includes("@"))
      return errorReply(stanza, "service-unavailable");
    const node = payload.attrs.node;
    if (node === undefined)
      return iqResult(
        stanza,
        infoQuery({ identities: [SERVER_IDENTITY], features: disco.server(session.host?.name) }),
      );
    const info = disco.node(node)?.info?.(session, stanza.attrs.to ?? session.jid?.domain ?? "");
    return info === undefined
      ? errorReply(stanza, "item-not-found")
      : iqResult(stanza, infoQuery(info, node));
  });
  iq.on("get", NS_DISCO_ITEMS, "query", ({ session, iq: stanza, payload }) => {
    if (stanza.attrs.to !== undefined && stanza.attrs.to.includes("@"))
      return errorReply(stanza, "service-unavailable");
    const node = payload.attrs.node;
    // XEP-0030 §4.1: the server's items are its components (as Prosody lists them).
    if (node === undefined)
      return iqResult(stanza, el("query", { xmlns: NS_DISCO_ITEMS }, ...disco.serverItems()));
    const items = disco.node(node)?.items?.(session, stanza.attrs.to ?? session.jid?.domain ?? "");
    if (items === undefined) return errorReply(stanza, "item-not-found");
    return iqResult(stanza, el("query", { xmlns: NS_DISCO_ITEMS, node }, ...items));
  });
}
