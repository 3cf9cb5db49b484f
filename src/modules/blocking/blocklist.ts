// XEP-0191 §3.2–§3.5 (Blocking Command): the user's blocklist (§3.2, which also makes the resource
// "interested"), block (§3.3) and unblock, of some JIDs (§3.4) or all (§3.5), each change pushed to
// every interested resource of the account. Only the sender's own account (others' → service-
// unavailable, as Prosody). Enforcement is in ./screen.ts, presence on change in ./presence-on-change.ts.
import { randomBytes } from "node:crypto";
import { el, type Element } from "../../xml/element.ts";
import { tryParseJid } from "../../jid.ts";
import { NS_BLOCKING } from "../../ns.ts";
import type { IqContext, IqRegistry } from "../../router/iq-registry.ts";
import { errorReply, iqResult } from "../../stanza/errors.ts";
import type { ChatDeps } from "../chat-deps.ts";
import { accountOf } from "../account-data/stored-xml.ts";
import { presenceToUnblocked, unavailableToBlocked } from "./presence-on-change.ts";

const INTERESTED = "blocking.interested";

/** The prepared JIDs of the <item/> children, or the error reply (a missing or invalid jid). */
function itemJids(c: IqContext): string[] | Element {
  const jids: string[] = [];
  for (const item of c.payload.getChildren("item")) {
    const raw = item.attrs.jid;
    const jid = raw === undefined ? undefined : tryParseJid(raw);
    if (jid === undefined) return errorReply(c.iq, "jid-malformed", { text: "An item has no valid jid" });
    jids.push(jid.toString());
  }
  return jids;
}

export function registerBlocking(iq: IqRegistry, deps: ChatDeps): void {
  const { ctx, storage } = deps;

  /** §3.3/§3.4: the change, pushed to each resource that retrieved the blocklist. */
  const push = (account: string, name: "block" | "unblock", jids: readonly string[]) => {
    for (const s of ctx.sessions.ofAccount(account)) {
      // In the shared state, so that a resource on another cluster node gets its push too.
      if (s.state.extra[INTERESTED] !== "1") continue;
      const id = `block-${randomBytes(6).toString("hex")}`;
      const items = jids.map((jid) => el("item", { jid }));
      s.send(
        el("iq", { type: "set", id, to: s.jid?.toString() }, el(name, { xmlns: NS_BLOCKING }, ...items)),
      );
    }
  };

  const presenceFailed = (c: IqContext) => (err: unknown) =>
    c.session.logger.error({ err }, "presence after a blocklist change failed");

  iq.on("get", NS_BLOCKING, "blocklist", async (c) => {
    const { account, own } = accountOf(c);
    if (!own) return errorReply(c.iq, "service-unavailable");
    const jids = await storage.store.blocklist(account);
    const h = ctx.sessions.handleOf(c.session);
    // Replicated in a cluster (a Redis write and a publish): only when it changes.
    if (h !== undefined && h.state.extra[INTERESTED] !== "1")
      ctx.sessions.update(c.session, { extra: { ...h.state.extra, [INTERESTED]: "1" } });
    return iqResult(c.iq, el("blocklist", { xmlns: NS_BLOCKING }, ...jids.map((jid) => el("item", { jid }))));
  });

  iq.on("set", NS_BLOCKING, "block", async (c) => {
    const { account, own } = accountOf(c);
    if (!own) return errorReply(c.iq, "service-unavailable");
    const jids = itemJids(c);
    if (!Array.isArray(jids)) return jids;
    // §3.3: a block with no item is bad-request.
    if (jids.length === 0) return errorReply(c.iq, "bad-request", { text: "No item to block" });
    const added = await storage.store.block(account, jids);
    c.session.send(iqResult(c.iq));
    push(account, "block", jids);
    await unavailableToBlocked(deps, account, added).catch(presenceFailed(c));
    return undefined;
  });

  iq.on("set", NS_BLOCKING, "unblock", async (c) => {
    const { account, own } = accountOf(c);
    if (!own) return errorReply(c.iq, "service-unavailable");
    const jids = itemJids(c);
    if (!Array.isArray(jids)) return jids;
    // §3.5: no item unblocks every JID.
    const removed = await storage.store.unblock(account, jids.length === 0 ? undefined : jids);
    c.session.send(iqResult(c.iq));
    push(account, "unblock", jids);
    await presenceToUnblocked(deps, account, removed).catch(presenceFailed(c));
    return undefined;
  });
}
