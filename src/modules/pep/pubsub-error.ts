// XEP-0060's errors: a stanza error condition (RFC 6120 §8.3) with, where the XEP names one, an
// application-specific condition in the pubsub#errors namespace (§7.1.3, §6.5.9, §14.2).
import { el, type Element } from "../../xml/element.ts";
import { NS_PUBSUB_ERRORS } from "../../ns.ts";
import { errorReply, type StanzaErrorCondition } from "../../stanza/errors.ts";

export interface PepFailure {
  readonly condition: StanzaErrorCondition;
  /** The pubsub#errors element name (e.g. "precondition-not-met"). */
  readonly pubsub?: string;
  /** For <unsupported feature=…/>. */
  readonly feature?: string;
  readonly text?: string;
}

export const fail = (condition: StanzaErrorCondition, pubsub?: string, text?: string): PepFailure => ({
  condition,
  ...(pubsub === undefined ? {} : { pubsub }),
  ...(text === undefined ? {} : { text }),
});

export function isFailure(x: unknown): x is PepFailure {
  return typeof x === "object" && x !== null && "condition" in x;
}

export function pubsubErrorReply(iq: Element, f: PepFailure): Element {
  const reply = errorReply(iq, f.condition, f.text === undefined ? {} : { text: f.text });
  if (f.pubsub !== undefined)
    reply
      .getChild("error")
      ?.append(
        el(f.pubsub, { xmlns: NS_PUBSUB_ERRORS, ...(f.feature === undefined ? {} : { feature: f.feature }) }),
      );
  return reply;
}
