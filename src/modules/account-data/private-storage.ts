// XEP-0049 §3 (Private XML Storage): a client keeps one XML element per element name and namespace
// on the server and reads it back. Only its own account's (§3: others' → forbidden); never in a
// jabber:* namespace (§3: not-acceptable); one element per request; at most private_max_size bytes.
import { el } from "../../xml/element.ts";
import { NS_PRIVATE } from "../../ns.ts";
import type { IqContext, IqRegistry } from "../../router/iq-registry.ts";
import { errorReply, iqResult } from "../../stanza/errors.ts";
import type { ChatDeps } from "../chat-deps.ts";
import { accountOf, readStored, storedSize } from "./stored-xml.ts";

export function registerPrivateStorage(iq: IqRegistry, deps: ChatDeps): void {
  const { ctx, storage } = deps;

  /** The one child to get or set, or the error reply. */
  const check = (c: IqContext) => {
    if (!accountOf(c).own) return { error: errorReply(c.iq, "forbidden") };
    const children = c.payload.elements;
    const child = children[0];
    if (children.length !== 1 || child === undefined)
      return { error: errorReply(c.iq, "bad-request", { text: "Expected exactly one element" }) };
    const ns = child.xmlns;
    if (ns === undefined || ns === "")
      return { error: errorReply(c.iq, "bad-request", { text: "The element needs a namespace" }) };
    if (ns.startsWith("jabber:"))
      return { error: errorReply(c.iq, "not-acceptable", { text: "jabber:* namespaces are reserved" }) };
    return { child, ns };
  };

  iq.on("get", NS_PRIVATE, "query", async (c) => {
    const r = check(c);
    if (r.error !== undefined) return r.error;
    const account = accountOf(c).account;
    const xml = await storage.store.getPrivate(account, r.child.name, r.ns);
    // §3: nothing stored yet is answered with the empty element the client sent.
    const stored = xml === undefined ? el(r.child.name, { xmlns: r.ns }) : readStored(xml, "private element");
    return iqResult(c.iq, el("query", { xmlns: NS_PRIVATE }, stored));
  });

  iq.on("set", NS_PRIVATE, "query", async (c) => {
    const r = check(c);
    if (r.error !== undefined) return r.error;
    const host = ctx.hosts.get(c.session.jid?.domain ?? "");
    const max = host?.options.private_max_size ?? 0;
    if (storedSize(r.child) > max)
      return errorReply(c.iq, "not-acceptable", { text: `Larger than private_max_size (${max} bytes)` });
    await storage.store.setPrivate(accountOf(c).account, r.child.name, r.ns, r.child.toString());
    return iqResult(c.iq);
  });
}
