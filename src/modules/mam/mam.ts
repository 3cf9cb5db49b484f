// XEP-0313 Message Archive Management for accounts: the archiver the message router calls, the
// query, metadata and preference handlers on the account's bare JID, and the retention sweep.
import type { IqRegistry } from "../../router/iq-registry.ts";
import { NS_MAM, NS_MAM_EXTENDED, NS_SID } from "../../ns.ts";
import type { ChatDeps } from "../chat-deps.ts";
import { createArchiver, type Archiver } from "./archiver.ts";
import { registerMamPrefs } from "./prefs.ts";
import { registerMamQuery } from "./query.ts";
import { startRetention, type Retention } from "./retention.ts";

/** What the account's disco#info lists (XEP-0313 "Determining support"; XEP-0359). */
export const MAM_ACCOUNT_FEATURES = [NS_MAM, NS_MAM_EXTENDED, NS_SID] as const;

export function registerMam(
  accountIq: IqRegistry,
  deps: ChatDeps,
): { archiver: Archiver; retention: Retention } {
  registerMamQuery(accountIq, deps);
  registerMamPrefs(accountIq, deps);
  return { archiver: createArchiver(deps), retention: startRetention(deps) };
}
