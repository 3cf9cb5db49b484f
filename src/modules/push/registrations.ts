// XEP-0357 §5 (enabling notifications) and §6 (disabling), IQs a client sends to its own account:
// registrations are stored per account (the chat store, every node sees them) and capped at
// push_max_devices, the oldest going first. The session remembers the one it enabled: a hibernating
// session (XEP-0198) wakes only its own device, as Prosody's mod_cloud_notify does.
import type { Element } from "../../xml/element.ts";
import type { IqRegistry } from "../../router/iq-registry.ts";
import type { Session } from "../../stream/session.ts";
import type { ChatDeps } from "../chat-deps.ts";
import { NS_DATA, NS_PUSH } from "../../ns.ts";
import { tryParseJid } from "../../jid.ts";
import { errorReply, iqResult } from "../../stanza/errors.ts";
import { NS_PUBLISH_OPTIONS } from "./push-elements.ts";

/** Bytes of a node name, and of a serialized publish-options form. */
const MAX_NODE = 1023;
const MAX_OPTIONS = 4096;
const SESSION_KEY = "push:registration";

export interface SessionPush {
  readonly jid: string;
  readonly node: string;
}

/** The registration the session enabled last (undefined when none, or after it disabled it). */
export function sessionRegistration(session: Session): SessionPush | undefined {
  return session.data.get(SESSION_KEY) as SessionPush | undefined;
}

/** Only the account itself manages its registrations. */
function ownAccount(session: Session, iq: Element): boolean {
  const to = iq.attrs.to;
  if (to === undefined) return true;
  const target = tryParseJid(to);
  return target !== undefined && session.jid !== undefined && target.equals(session.jid.bare());
}

/** The publish-options form: a jabber:x:data submit form of that FORM_TYPE, or undefined. */
function publishOptions(enable: Element): Element | undefined | null {
  const x = enable.getChild("x", NS_DATA);
  if (x === undefined) return undefined;
  const formType = x
    .getChildren("field")
    .find((f) => f.attrs.var === "FORM_TYPE")
    ?.getChildText("value");
  return formType === NS_PUBLISH_OPTIONS ? x : null;
}

export function registerPushIq(accountIq: IqRegistry, { storage }: ChatDeps): void {
  accountIq.on("set", NS_PUSH, "enable", async ({ session, iq, payload }) => {
    if (!ownAccount(session, iq)) return errorReply(iq, "forbidden");
    const account = session.jid?.bare().toString();
    const jid = tryParseJid(payload.attrs.jid ?? "");
    const node = payload.attrs.node;
    if (account === undefined || jid === undefined)
      return errorReply(iq, "bad-request", { text: "A valid 'jid' is required" });
    if (node === undefined || node === "" || Buffer.byteLength(node) > MAX_NODE)
      return errorReply(iq, "bad-request", { text: "A 'node' of at most 1023 bytes is required" });
    const form = publishOptions(payload);
    if (form === null) return errorReply(iq, "bad-request", { text: "Not a publish-options form" });
    const options = form === undefined ? "" : form.toString();
    if (Buffer.byteLength(options) > MAX_OPTIONS)
      return errorReply(iq, "not-acceptable", { text: "The publish-options form is too large" });
    const max = session.host?.options.push_max_devices ?? 5;
    await storage.store.addPushRegistration(account, { jid: jid.toString(), node, options }, max);
    session.data.set(SESSION_KEY, { jid: jid.toString(), node });
    return iqResult(iq);
  });

  accountIq.on("set", NS_PUSH, "disable", async ({ session, iq, payload }) => {
    if (!ownAccount(session, iq)) return errorReply(iq, "forbidden");
    const account = session.jid?.bare().toString();
    const jid = tryParseJid(payload.attrs.jid ?? "");
    if (account === undefined || jid === undefined)
      return errorReply(iq, "bad-request", { text: "A valid 'jid' is required" });
    const node = payload.attrs.node === "" ? undefined : payload.attrs.node;
    await storage.store.removePushRegistrations(account, jid.toString(), node);
    const mine = sessionRegistration(session);
    if (mine !== undefined && mine.jid === jid.toString() && (node === undefined || node === mine.node))
      session.data.delete(SESSION_KEY);
    return iqResult(iq);
  });
}
