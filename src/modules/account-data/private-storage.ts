// XEP-0049 §2 (Private XML Storage): a client keeps XML elements on the server, one per element name
// and namespace (as Prosody keys them), and reads them back. Only its own account's (another's →
// forbidden); a set needs at least one element, each in a namespace of its own and not jabber:*
// (→ not-acceptable); a get names exactly one element (→ bad-request); each element stored is at
// most private_max_size bytes (→ not-acceptable).
import { el, type Element } from "../../xml/element.ts";
import { NS_PRIVATE } from "../../ns.ts";
import type { IqContext, IqRegistry } from "../../router/iq-registry.ts";
import { errorReply, iqResult } from "../../stanza/errors.ts";
import type { ChatDeps } from "../chat-deps.ts";
import { accountOf, readStored, storedSize } from "./stored-xml.ts";

/** Why an element cannot be kept under its namespace, or undefined when it can. */
function badNamespace(e: Element): string | undefined {
  const ns = e.xmlns;
  if (ns === undefined || ns === "" || ns === NS_PRIVATE) return "Each element needs a namespace of its own";
  if (ns.startsWith("jabber:")) return "jabber:* namespaces are reserved";
  return undefined;
}

/** Told of each element stored, after it was stored (XEP-0402 §4 keeps PEP bookmarks in step). */
export type PrivateStored = (account: string, element: Element) => Promise<void>;

export function registerPrivateStorage(iq: IqRegistry, deps: ChatDeps, stored?: PrivateStored): void {
  const { ctx, storage } = deps;

  iq.on("get", NS_PRIVATE, "query", async (c: IqContext) => {
    const { account, own } = accountOf(c);
    if (!own) return errorReply(c.iq, "forbidden");
    const children = c.payload.elements;
    const child = children[0];
    if (children.length !== 1 || child === undefined)
      return errorReply(c.iq, "bad-request", { text: "Name exactly one element" });
    const why = badNamespace(child);
    if (why !== undefined) return errorReply(c.iq, "not-acceptable", { text: why });
    const ns = child.xmlns ?? "";
    const xml = await storage.store.getPrivate(account, child.name, ns);
    // Nothing stored yet is answered with the empty element the client named.
    const stored = xml === undefined ? el(child.name, { xmlns: ns }) : readStored(xml, "private element");
    return iqResult(c.iq, el("query", { xmlns: NS_PRIVATE }, stored));
  });

  iq.on("set", NS_PRIVATE, "query", async (c: IqContext) => {
    const { account, own } = accountOf(c);
    if (!own) return errorReply(c.iq, "forbidden");
    const children = c.payload.elements;
    if (children.length === 0) return errorReply(c.iq, "not-acceptable", { text: "Nothing to store" });
    const max = ctx.hosts.get(c.session.jid?.domain ?? "")?.options.private_max_size ?? 0;
    // Everything is checked before anything is stored.
    for (const child of children) {
      const why = badNamespace(child);
      if (why !== undefined) return errorReply(c.iq, "not-acceptable", { text: why });
      if (storedSize(child) > max)
        return errorReply(c.iq, "not-acceptable", { text: `Larger than private_max_size (${max} bytes)` });
    }
    for (const child of children)
      await storage.store.setPrivate(account, child.name, child.xmlns ?? "", child.toString());
    if (stored !== undefined)
      for (const child of children)
        await stored(account, child).catch((err: unknown) =>
          c.session.logger.error({ err }, "private storage sync failed"),
        );
    return iqResult(c.iq);
  });
}
