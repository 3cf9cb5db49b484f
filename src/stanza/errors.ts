// Stanza errors (RFC 6120 §8.3): the reply to a stanza that could not be processed.
import type { Element } from "../xml/element.ts";
import { el } from "../xml/element.ts";
import { NS_STANZAS } from "../ns.ts";

export type ErrorType = "auth" | "cancel" | "continue" | "modify" | "wait";

export type StanzaErrorCondition =
  | "bad-request"
  | "conflict"
  | "feature-not-implemented"
  | "forbidden"
  | "gone"
  | "internal-server-error"
  | "item-not-found"
  | "jid-malformed"
  | "not-acceptable"
  | "not-allowed"
  | "not-authorized"
  | "policy-violation"
  | "recipient-unavailable"
  | "redirect"
  | "registration-required"
  | "remote-server-not-found"
  | "remote-server-timeout"
  | "resource-constraint"
  | "service-unavailable"
  | "subscription-required"
  | "undefined-condition"
  | "unexpected-request";

/** The error types RFC 6120 §8.3.3 gives each condition, used when a caller does not choose one. */
const DEFAULT_TYPE: Record<StanzaErrorCondition, ErrorType> = {
  "bad-request": "modify",
  conflict: "cancel",
  "feature-not-implemented": "cancel",
  forbidden: "auth",
  gone: "cancel",
  "internal-server-error": "cancel",
  "item-not-found": "cancel",
  "jid-malformed": "modify",
  "not-acceptable": "modify",
  "not-allowed": "cancel",
  "not-authorized": "auth",
  "policy-violation": "modify",
  "recipient-unavailable": "wait",
  redirect: "modify",
  "registration-required": "auth",
  "remote-server-not-found": "cancel",
  "remote-server-timeout": "wait",
  "resource-constraint": "wait",
  "service-unavailable": "cancel",
  "subscription-required": "auth",
  "undefined-condition": "cancel",
  "unexpected-request": "wait",
};

export function errorElement(condition: StanzaErrorCondition, type?: ErrorType, text?: string): Element {
  const error = el("error", { type: type ?? DEFAULT_TYPE[condition] }, el(condition, { xmlns: NS_STANZAS }));
  if (text !== undefined) error.append(el("text", { xmlns: NS_STANZAS }, text));
  return error;
}

/**
 * The error reply to `stanza` (RFC 6120 §8.3.1): same name and id, addresses swapped, type "error".
 * The original payload is not echoed back: it may be large, and clients do not need it.
 */
export function errorReply(
  stanza: Element,
  condition: StanzaErrorCondition,
  opts: { type?: ErrorType; text?: string; from?: string } = {},
): Element {
  return el(
    stanza.name,
    {
      xmlns: stanza.attrs.xmlns,
      id: stanza.attrs.id,
      type: "error",
      to: stanza.attrs.from,
      from: opts.from ?? stanza.attrs.to,
    },
    errorElement(condition, opts.type, opts.text),
  );
}

/** Never answer an error with an error (RFC 6120 §8.3.1). */
export function mayReplyWithError(stanza: Element): boolean {
  return stanza.attrs.type !== "error" && !(stanza.name === "iq" && stanza.attrs.type === "result");
}

export function iqResult(iq: Element, ...children: Element[]): Element {
  return el(
    "iq",
    { xmlns: iq.attrs.xmlns, type: "result", id: iq.attrs.id, to: iq.attrs.from, from: iq.attrs.to },
    ...children,
  );
}
