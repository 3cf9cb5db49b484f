// Builds the chat modules (RFC 6121 roster, presence and messages; XEP-0160 offline delivery;
// XEP-0280 carbons; disco on accounts; XEP-0049 private XML, XEP-0054 vCards and XEP-0191 blocking;
// XEP-0313 archives)
// over one chat store and hands the router what it delegates.
import type { ChatRouting } from "../router/router.ts";
import type { ChatDeps } from "./chat-deps.ts";
import { createAccountIq } from "./account-disco.ts";
import { createCarbons } from "./carbons/carbons.ts";
import { createMessageRouter } from "./message/message.ts";
import { createOffline } from "./message/offline.ts";
import { createPresence } from "./presence/presence.ts";
import { createSubscriptions } from "./presence/subscription.ts";
import { registerRoster } from "./roster/roster.ts";
import { registerPrivateStorage } from "./account-data/private-storage.ts";
import { registerVcard } from "./account-data/vcard.ts";
import { registerBlocking } from "./blocking/blocklist.ts";
import { createBlockScreen } from "./blocking/screen.ts";
import { NS_BLOCKING, NS_OFFLINE, NS_PRIVATE, NS_PUSH, NS_VCARD } from "../ns.ts";
import type { AccountDiscoExtension } from "./account-disco.ts";
import { registerPep } from "./pep/pep.ts";
import { MAM_ACCOUNT_FEATURES, registerMam } from "./mam/mam.ts";

export interface ChatModules extends ChatRouting {
  /** After the store opens: starts the archive retention sweep. */
  start(): void;
  /** Before the store closes: stops the sweep, writes the queued archive entries. */
  stop(): Promise<void>;
  /** Prometheus text of the chat modules (archive writes). */
  metrics(): string;
}

export function registerChat(deps: ChatDeps): ChatModules {
  const { ctx } = deps;
  const subs = createSubscriptions(deps);
  const blocking = createBlockScreen(deps.storage);
  const presence = createPresence(deps, subs, (me, others) => blocking.separated(me, others));
  registerRoster(ctx.iq, deps, subs);
  const carbons = createCarbons(ctx, ctx.iq);
  const offline = createOffline(deps);
  // XEP-0160 §3: kept messages are delivered once the account's resource is available, and
  // once every node can see it is (a node keeping a message meanwhile looks again: offline.ts).
  presence.available.add((session) => {
    ctx.sessions
      .published(session)
      .then(() => offline.deliver(session))
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
  // Its queued archive writes first, or they would land after the deletion.
  ctx.hooks.accountRemoved.add((account) => {
    mam.writer
      .settled(account)
      .then(() => deps.storage.store.deleteAccount(account))
      .catch((err: unknown) =>
        ctx.logger.error({ err, account }, "deleting a removed account's data failed"),
      );
  });
  const discoExtensions: AccountDiscoExtension[] = [];
  const accountIq = createAccountIq(ctx.disco, discoExtensions);
  const pep = registerPep(deps, accountIq, (me, others) => blocking.separated(me, others));
  discoExtensions.push(pep.disco);
  registerPrivateStorage(accountIq, deps, pep.privateStored);
  registerVcard(accountIq, deps, pep.vcardStored);
  // XEP-0357 §4: push is advertised on the account (src/modules/push/).
  ctx.disco.addAccountFeature(NS_PUSH);
  registerBlocking(accountIq, deps);
  const mam = registerMam(accountIq, deps);
  ctx.disco.addAccountFeature(...MAM_ACCOUNT_FEATURES);
  // Advertised by the server's disco#info, where Prosody's modules add them; XEP-0160 §5 "msgoffline".
  ctx.disco.addServerFeature(NS_PRIVATE, NS_VCARD, NS_BLOCKING, NS_OFFLINE);
  return {
    message: createMessageRouter(deps, carbons, offline, mam.archiver),
    presence: async (session, stanza, target) => {
      await presence.handle(session, stanza, target);
      pep.presence(session, stanza, target);
    },
    response: (session, iq) => pep.response(session, iq),
    accountIq,
    screen: (session, stanza, target) => blocking.screen(session, stanza, target),
    start: () => mam.start(),
    stop: () => mam.stop(),
    metrics: () => mam.writer.metrics(),
  };
}
