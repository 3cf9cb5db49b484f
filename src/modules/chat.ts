// Builds the chat modules (RFC 6121 roster, presence and messages; XEP-0160 offline delivery;
// XEP-0280 carbons; disco on accounts) over one chat store and hands the router what it delegates.
import type { ChatRouting } from "../router/router.ts";
import type { ChatDeps } from "./chat-deps.ts";
import { createAccountIq } from "./account-disco.ts";
import { createCarbons } from "./carbons/carbons.ts";
import { createMessageRouter } from "./message/message.ts";
import { createOffline } from "./message/offline.ts";
import { createPresence } from "./presence/presence.ts";
import { createSubscriptions } from "./presence/subscription.ts";
import { registerRoster } from "./roster/roster.ts";

export function registerChat(deps: ChatDeps): ChatRouting {
  const { ctx } = deps;
  const subs = createSubscriptions(deps);
  const presence = createPresence(deps, subs);
  registerRoster(ctx.iq, deps, subs);
  const carbons = createCarbons(ctx, ctx.iq);
  const offline = createOffline(deps);
  // XEP-0160 §3: kept messages are delivered once the account's resource is available.
  presence.available.add((session) => {
    offline
      .deliver(session)
      .catch((err: unknown) => session.logger.error({ err }, "offline delivery failed"));
  });
  // Back in the cluster after Redis trouble: what was kept offline meanwhile goes to the resources here.
  ctx.sessions.resynced.add(() => {
    for (const h of ctx.sessions.localSessions()) {
      if (!h.state.available || h.local === undefined) continue;
      const session = h.local;
      offline
        .deliver(session)
        .catch((err: unknown) => session.logger.error({ err }, "offline delivery failed"));
    }
  });
  // A deleted account leaves nothing behind: its roster, requests and kept messages go with it.
  ctx.hooks.accountRemoved.add((account) => {
    deps.storage.store
      .deleteAccount(account)
      .catch((err: unknown) =>
        ctx.logger.error({ err, account }, "deleting a removed account's data failed"),
      );
  });
  return {
    message: createMessageRouter(deps, carbons, offline),
    presence: (session, stanza, target) => presence.handle(session, stanza, target),
    accountIq: createAccountIq(),
  };
}
