// XEP-0352 §5 leaves to the server what an inactive client still gets at once. As Prosody's
// mod_csi_simple: what a user would want to see now (a message with a body, also as a carbon; an
// encrypted one; a call; an error) and every IQ (a client must answer it). Presence, chat states,
// receipts and other bodiless messages wait.
import type { Element } from "../../xml/element.ts";
import { NS_CARBONS, NS_CLIENT, NS_FORWARD } from "../../ns.ts";

export type Urgency = "now" | "later" | "not-a-stanza";

const ENCRYPTED = ["eu.siacs.conversations.axolotl", "urn:xmpp:omemo:2", "jabber:x:encrypted"];
const NS_JINGLE_MESSAGE = "urn:xmpp:jingle-message:0"; // XEP-0353

function hasBody(message: Element): boolean {
  if (message.getChild("body") !== undefined) return true;
  if (message.getChild("propose", NS_JINGLE_MESSAGE) !== undefined) return true;
  return ENCRYPTED.some(
    (ns) => message.getChild("encrypted", ns) !== undefined || message.getChild("x", ns) !== undefined,
  );
}

export function urgency(stanza: Element): Urgency {
  if (stanza.attrs.xmlns !== undefined && stanza.attrs.xmlns !== NS_CLIENT) return "not-a-stanza";
  switch (stanza.name) {
    case "iq":
      return "now";
    case "presence":
      return "later";
    case "message": {
      if (stanza.attrs.type === "error" || hasBody(stanza)) return "now";
      // XEP-0280: a carbon copy counts as the message it carries.
      const carbon = stanza.getChild("sent", NS_CARBONS) ?? stanza.getChild("received", NS_CARBONS);
      const inner = carbon?.getChild("forwarded", NS_FORWARD)?.getChild("message");
      return inner !== undefined && hasBody(inner) ? "now" : "later";
    }
    default:
      return "not-a-stanza";
  }
}

/**
 * Presence that a later one from the same full JID replaces (available or unavailable): an inactive
 * client needs only the latest. Subscription requests and errors are kept one by one.
 */
export function coalescingKey(stanza: Element): string | undefined {
  if (stanza.name !== "presence") return undefined;
  const type = stanza.attrs.type;
  if (type !== undefined && type !== "unavailable") return undefined;
  return `presence ${stanza.attrs.from ?? ""}`;
}
