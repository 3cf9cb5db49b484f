// RFC 6121 §2.1: roster items on the wire, and roster pushes (§2.1.6) to every resource of the
// account that asked for its roster, with the new version (XEP-0237 §2.4).
import { randomBytes } from "node:crypto";
import { el, type Element } from "../../xml/element.ts";
import { NS_ROSTER } from "../../ns.ts";
import type { Session } from "../../stream/session.ts";
import type { ServerContext } from "../../server-context.ts";
import type { RosterItem } from "../../storage/store.ts";

/** RFC 6121 §2.1.6: pushes go to "interested resources", those that requested the roster. */
export function markInterested(ctx: ServerContext, session: Session): void {
  if (ctx.sessions.handleOf(session)?.state.interested !== true)
    ctx.sessions.update(session, { interested: true });
}

export function itemElement(item: RosterItem): Element {
  const e = el("item", {
    jid: item.jid,
    name: item.name,
    subscription: item.subscription,
    ask: item.ask ? "subscribe" : undefined,
  });
  for (const g of item.groups) e.append(el("group", {}, g));
  return e;
}

/** Pushes an item (or its removal, when `item` is undefined) to the account's interested resources. */
export function pushRoster(
  ctx: ServerContext,
  account: string,
  jid: string,
  item: RosterItem | undefined,
  version: number,
): void {
  const child = item === undefined ? el("item", { jid, subscription: "remove" }) : itemElement(item);
  for (const session of ctx.sessions.ofAccount(account)) {
    if (!session.state.interested) continue;
    session.send(
      el(
        "iq",
        { type: "set", id: `push-${randomBytes(6).toString("hex")}`, to: session.jid.toString() },
        el("query", { xmlns: NS_ROSTER, ver: String(version) }, child),
      ),
    );
  }
}
