// XEP-0357 push notifications, wired: the enable/disable IQs on the account (registrations.ts), and
// notifications (notifier.ts) for the two moments Prosody's mod_cloud_notify chose: a message kept
// for a hibernating XEP-0198 session (to the device that session registered), and a message kept
// offline (to every registration of the account). Only messages with a body or encrypted content.
import type { IqRegistry } from "../../router/iq-registry.ts";
import type { ChatDeps } from "../chat-deps.ts";
import type { StreamManagement } from "../sm/stream-management.ts";
import { isImportant } from "./push-elements.ts";
import { PushNotifier } from "./notifier.ts";
import { registerPushIq, sessionRegistration } from "./registrations.ts";

export function registerPush(deps: ChatDeps, accountIq: IqRegistry, sm: StreamManagement): PushNotifier {
  const { ctx } = deps;
  registerPushIq(accountIq, deps);
  const notifier = new PushNotifier(ctx, deps.storage);
  const failed = (err: unknown) => ctx.logger.error({ err }, "push notification failed");
  sm.queuedAsleep.add((session, stanza) => {
    const mine = sessionRegistration(session);
    const account = session.jid?.bare().toString();
    if (mine === undefined || account === undefined || !isImportant(stanza)) return;
    notifier.notify(account, stanza, mine).catch(failed);
  });
  ctx.hooks.offlineStored.add((account, stanza) => {
    if (isImportant(stanza)) notifier.notify(account, stanza).catch(failed);
  });
  ctx.hooks.accountIqReply.add((iq) => notifier.onReply(iq));
  return notifier;
}
