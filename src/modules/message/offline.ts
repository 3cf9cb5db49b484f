// XEP-0160: messages for an account with no available resource are kept, stamped with a XEP-0203
// <delay/>, and delivered when one of its resources sends initial presence. The per-account cap is
// max_offline_messages; beyond it the sender gets resource-constraint (RFC 6120 §8.3.3.18).
// A write can land after a resource's initial presence emptied the queue (the caller saw "none
// available", then awaited the archive or the store): the resource is marked available (on every
// node: SessionDirectory.published) before its flush reads the queue, so looking again once the
// write is done (and, in a cluster, caughtUp) finds it whenever the flush missed the message, and
// what is kept goes to it at once rather than at its next login.
import { el, type Element } from "../../xml/element.ts";
import { NS_DELAY } from "../../ns.ts";
import type { Session } from "../../stream/session.ts";
import type { Logger } from "../../log.ts";
import type { SessionHandle } from "../../router/session-handle.ts";
import { withAttrs } from "../../stanza/copy.ts";
import { parseStoredElement } from "../../xml/parse-stored.ts";
import type { ChatDeps } from "../chat-deps.ts";
import { availableSessions } from "../presence/state.ts";

export type StoreOutcome = "stored" | "full" | "disabled" | "failed";

export interface OfflineMessages {
  store(account: string, stanza: Element, max: number): Promise<StoreOutcome>;
  /** Sends the kept messages to a resource that just became available. */
  deliver(session: Session): Promise<void>;
}

/** A local session or a handle (on any node): what kept messages are sent to. */
type Taker = Pick<SessionHandle, "isOpen" | "send">;

export function createOffline({ ctx, storage }: ChatDeps): OfflineMessages {
  /** Takes what is kept for `account` and sends it to the open ones of `to`; the rest goes back. */
  const handOver = async (account: string, to: readonly Taker[], logger: Logger) => {
    const kept = await storage.store.takeOffline(account);
    for (const [i, xml] of kept.entries()) {
      const open = to.filter((t) => t.isOpen);
      if (open.length === 0) {
        // They left while we were reading: put the rest back for the next one.
        for (const rest of kept.slice(i))
          await storage.store.storeOffline(account, rest, Number.MAX_SAFE_INTEGER);
        return;
      }
      const message = parseStoredElement(xml);
      if (message === undefined) logger.error({ account }, "an offline message could not be parsed");
      else for (const t of open) t.send(message);
    }
  };

  return {
    async store(account, stanza, max) {
      if (max === 0) return "disabled";
      const domain = account.slice(account.indexOf("@") + 1);
      const stamped = withAttrs(stanza, {});
      stamped.children.push(
        el("delay", { xmlns: NS_DELAY, from: domain, stamp: new Date().toISOString() }, "Offline storage"),
      );
      try {
        if (!(await storage.store.storeOffline(account, stamped.toString(), max))) return "full";
      } catch (err) {
        ctx.logger.error({ err, account }, "could not keep an offline message");
        return "failed";
      }
      // In a cluster, once this node has heard what the others announced before the write.
      await ctx.sessions.caughtUp();
      // RFC 6121 §8.5.2.1.1: those a message to the bare JID would reach now (none: it stays kept).
      const online = availableSessions(ctx, account).filter((s) => s.state.priority >= 0);
      if (online.length === 0) {
        ctx.hooks.offlineStored.run(
          (err) => ctx.logger.error({ err }, "offline hook failed"),
          account,
          stamped,
        );
        return "stored";
      }
      // Kept either way: a failed hand-over leaves the message for the next initial presence.
      await handOver(account, online, ctx.logger).catch((err: unknown) =>
        ctx.logger.error({ err, account }, "delivering messages kept while a resource came online failed"),
      );
      return "stored";
    },
    async deliver(session) {
      const account = session.jid?.bare().toString();
      if (account === undefined) return;
      await handOver(account, [session], session.logger);
    },
  };
}
