// XEP-0160: messages for an account with no available resource are kept, stamped with a XEP-0203
// <delay/>, and delivered when one of its resources sends initial presence. The per-account cap is
// max_offline_messages; beyond it the sender gets resource-constraint (RFC 6120 §8.3.3.18).
import { el, type Element } from "../../xml/element.ts";
import { NS_DELAY } from "../../ns.ts";
import type { Session } from "../../stream/session.ts";
import { withAttrs } from "../../stanza/copy.ts";
import { parseStoredElement } from "../../xml/parse-stored.ts";
import type { ChatDeps } from "../chat-deps.ts";

export type StoreOutcome = "stored" | "full" | "disabled" | "failed";

export interface OfflineMessages {
  store(account: string, stanza: Element, max: number): Promise<StoreOutcome>;
  /** Sends the kept messages to a resource that just became available. */
  deliver(session: Session): Promise<void>;
}

export function createOffline({ ctx, storage }: ChatDeps): OfflineMessages {
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
        ctx.hooks.offlineStored.run(
          (err) => ctx.logger.error({ err }, "offline hook failed"),
          account,
          stamped,
        );
        return "stored";
      } catch (err) {
        ctx.logger.error({ err, account }, "could not keep an offline message");
        return "failed";
      }
    },
    async deliver(session) {
      const account = session.jid?.bare().toString();
      if (account === undefined) return;
      const kept = await storage.store.takeOffline(account);
      for (const [i, xml] of kept.entries()) {
        if (!session.isOpen) {
          // The resource left while we were reading: put the rest back for the next one.
          for (const rest of kept.slice(i))
            await storage.store.storeOffline(account, rest, Number.MAX_SAFE_INTEGER);
          return;
        }
        const message = parseStoredElement(xml);
        if (message === undefined)
          session.logger.error({ account }, "an offline message could not be parsed");
        else session.send(message);
      }
    },
  };
}
