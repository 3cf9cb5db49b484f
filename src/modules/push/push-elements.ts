// XEP-0357 §7 (publishing a notification): the publish IQ the user's server sends to the app server,
// with a urn:xmpp:push:summary form (§8 of the XEP's registrar considerations) and the client's
// publish-options. What goes in the summary is the operator's choice: no body and no sender unless
// push_notification_with_body / push_notification_with_sender (Prosody's defaults).
import { el, type Element } from "../../xml/element.ts";
import { NS_DATA, NS_PUSH } from "../../ns.ts";

export const NS_PUBSUB = "http://jabber.org/protocol/pubsub";
export const NS_PUSH_SUMMARY = "urn:xmpp:push:summary";
export const NS_PUBLISH_OPTIONS = "http://jabber.org/protocol/pubsub#publish-options";

export interface SummaryOptions {
  readonly withBody: boolean;
  readonly withSender: boolean;
}

function field(name: string, value: string): Element {
  return el("field", { var: name }, el("value", {}, value));
}

/** The §7 summary for one message (message-count counts this notification's messages: 1). */
export function summaryForm(message: Element, opts: SummaryOptions): Element {
  const form = el("x", { xmlns: NS_DATA, type: "submit" }, field("FORM_TYPE", NS_PUSH_SUMMARY));
  form.append(field("message-count", "1"));
  const sender = message.attrs.from;
  if (opts.withSender && sender !== undefined) form.append(field("last-message-sender", sender));
  const body = message.getChildText("body");
  if (opts.withBody && body !== undefined) form.append(field("last-message-body", body));
  return form;
}

export function publishIq(
  from: string,
  to: string,
  id: string,
  node: string,
  summary: Element,
  publishOptions: Element | undefined,
): Element {
  const pubsub = el(
    "pubsub",
    { xmlns: NS_PUBSUB },
    el("publish", { node }, el("item", {}, el("notification", { xmlns: NS_PUSH }, summary))),
  );
  if (publishOptions !== undefined) pubsub.append(el("publish-options", {}, publishOptions));
  return el("iq", { type: "set", from, to, id }, pubsub);
}

/** Worth waking a device for (Prosody's mod_cloud_notify): a message with a body or encrypted content. */
export function isImportant(stanza: Element): boolean {
  if (stanza.name !== "message" || stanza.attrs.type === "error") return false;
  return stanza.getChild("body") !== undefined || stanza.getChild("encrypted") !== undefined;
}
