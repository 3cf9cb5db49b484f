// The XEP-0198 elements the server sends (§3 enabled, §4 a/r, §5 resumed, failed), namespace sm:3.
import { el, type Element } from "../../xml/element.ts";
import { NS_STANZAS } from "../../ns.ts";

export const NS_SM = "urn:xmpp:sm:3";

/** The <failed/> answer with a stanza error condition; `h` when the server knows it (§4, §5). */
export function failed(condition: string, h?: number, text?: string): Element {
  const answer = el(
    "failed",
    { xmlns: NS_SM, h: h === undefined ? undefined : String(h) },
    el(condition, { xmlns: NS_STANZAS }),
  );
  if (text !== undefined) answer.append(el("text", { xmlns: NS_STANZAS }, text));
  return answer;
}

export function ackRequest(): Element {
  return el("r", { xmlns: NS_SM });
}

export function ack(h: number): Element {
  return el("a", { xmlns: NS_SM, h: String(h) });
}

/** A top-level element of jabber:client that XEP-0198 counts (§4: message, presence, iq). */
export function isStanza(element: Element): boolean {
  return (
    (element.name === "message" || element.name === "presence" || element.name === "iq") &&
    (element.xmlns === undefined || element.xmlns === "jabber:client")
  );
}
