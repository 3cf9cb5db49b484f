// Builds PEP (XEP-0163) for the chat modules: the service over the chat store, its XEP-0060 IQs at
// account bare JIDs, caps-filtered notifications (XEP-0115), the last items sent when a resource
// comes online, disco (XEP-0163 §6: the account's pubsub/pep identity, features and nodes), and the
// conversions that keep XEP-0048/0049 bookmarks and vCard photos in step with their PEP forms.
import { el, type Element } from "../../xml/element.ts";
import type { Jid } from "../../jid.ts";
import type { Session } from "../../stream/session.ts";
import type { IqRegistry } from "../../router/iq-registry.ts";
import { NS_PUBSUB } from "../../ns.ts";
import type { ChatDeps } from "../chat-deps.ts";
import type { AccountDiscoExtension } from "../account-disco.ts";
import type { PrivateStored } from "../account-data/private-storage.ts";
import type { VcardStored } from "../account-data/vcard.ts";
import type { Separated } from "../presence/presence.ts";
import { createCapsTracker } from "./caps.ts";
import { createNotifier } from "./notify.ts";
import { createPepService, type PepService } from "./pep-service.ts";
import { registerPubsubIq } from "./pubsub-iq.ts";
import { createBookmarksCompat, NS_BOOKMARKS2_COMPAT } from "./bookmarks-compat.ts";
import { createVcardAvatar } from "./vcard-avatar.ts";
import { createLastItems } from "./last-item.ts";

/** XEP-0060 §10 features, only those implemented. */
export const PEP_FEATURES: readonly string[] = [
  NS_PUBSUB,
  ...[
    "access-open",
    "access-presence",
    "access-whitelist",
    "auto-create",
    "config-node",
    "create-nodes",
    "delete-items",
    "delete-nodes",
    "filtered-notifications",
    "item-ids",
    "last-published",
    "persistent-items",
    "publish",
    "publish-options",
    "purge-nodes",
    "retract-items",
    "retrieve-default",
    "retrieve-items",
  ].map((f) => `${NS_PUBSUB}#${f}`),
  NS_BOOKMARKS2_COMPAT,
];

export interface Pep {
  readonly service: PepService;
  /** Presence a session sent, after the presence module handled it (caps are read here). */
  presence(session: Session, stanza: Element, target: Jid | undefined): void;
  /** An IQ result or error a session sent to the server: true when PEP consumed it (caps queries). */
  response(session: Session, iq: Element): boolean;
  readonly privateStored: PrivateStored;
  readonly vcardStored: VcardStored;
  readonly disco: AccountDiscoExtension;
}

export function registerPep(deps: ChatDeps, accountIq: IqRegistry, separated: Separated): Pep {
  const caps = createCapsTracker(deps.ctx);
  const service = createPepService(deps, createNotifier(deps, caps, separated));
  const last = createLastItems(deps, separated);
  registerPubsubIq(accountIq, service);
  caps.learned.add((session, nodes) => last.toResource(session, nodes));
  return {
    service,
    presence(session, stanza, target) {
      const own = session.jid?.bare().toString();
      if (stanza.attrs.type === "subscribed" && target?.local !== undefined && own !== undefined) {
        last
          .onSubscription(own, target.bare().toString(), (h) => caps.notifyNodes(h))
          .catch((err: unknown) => session.logger.error({ err }, "PEP last-item delivery failed"));
        return;
      }
      if (target !== undefined) return;
      if (stanza.attrs.type === undefined) caps.available(session, stanza);
      else if (stanza.attrs.type === "unavailable") caps.unavailable(session);
    },
    response: (session, iq) => caps.response(session, iq),
    privateStored: createBookmarksCompat(deps, service),
    vcardStored: createVcardAvatar(deps, service),
    disco: {
      identities: [el("identity", { category: "pubsub", type: "pep" })],
      features: PEP_FEATURES,
      items: async (account, requester) =>
        (await service.visibleNodes(account, requester)).map((n) =>
          el("item", { jid: account, node: n.node }),
        ),
      nodeInfo: async (account, requester, node) => {
        const visible = await service.visibleNodes(account, requester);
        if (!visible.some((n) => n.node === node)) return undefined;
        return [el("identity", { category: "pubsub", type: "leaf" }), el("feature", { var: NS_PUBSUB })];
      },
    },
  };
}
