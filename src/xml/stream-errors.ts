// RFC 6120 §4.9: stream errors — the defined conditions (§4.9.3) and the <stream:error/> element.
import { Element } from "./element.ts";

// The namespaces are defined once, in src/ns.ts; re-exported for the XML layer's callers.
import { NS_STREAMS, NS_XMPP_STREAMS } from "../ns.ts";
export { NS_CLIENT, NS_FRAMING, NS_STREAMS, NS_XMPP_STREAMS } from "../ns.ts";

/** The defined stream error conditions, in the order of RFC 6120 §4.9.3. */
export const STREAM_ERROR_CONDITIONS = [
  "bad-format",
  "bad-namespace-prefix",
  "conflict",
  "connection-timeout",
  "host-gone",
  "host-unknown",
  "improper-addressing",
  "internal-server-error",
  "invalid-from",
  "invalid-namespace",
  "invalid-xml",
  "not-authorized",
  "not-well-formed",
  "policy-violation",
  "remote-connection-failed",
  "reset",
  "resource-constraint",
  "restricted-xml",
  "see-other-host",
  "system-shutdown",
  "undefined-condition",
  "unsupported-encoding",
  "unsupported-feature",
  "unsupported-stanza-type",
  "unsupported-version",
] as const;

export type StreamErrorCondition = (typeof STREAM_ERROR_CONDITIONS)[number];

/** What the parsers report: the condition to close the stream with and a human-readable reason. */
export interface StreamErrorInfo {
  condition: StreamErrorCondition;
  text: string;
}

const CONDITION_SET: ReadonlySet<string> = new Set(STREAM_ERROR_CONDITIONS);

export function isStreamErrorCondition(s: string): s is StreamErrorCondition {
  return CONDITION_SET.has(s);
}

/**
 * Builds `<stream:error><condition/><text/>?</stream:error>` (RFC 6120 §4.9.2). The element declares
 * `xmlns:stream` itself so it is also valid standalone, as a WebSocket message needs (RFC 7395 §3.6).
 */
export function streamError(condition: StreamErrorCondition, text?: string): Element {
  const error = new Element("stream:error", { "xmlns:stream": NS_STREAMS });
  error.c(condition, { xmlns: NS_XMPP_STREAMS });
  if (text !== undefined && text !== "") error.c("text", { xmlns: NS_XMPP_STREAMS }).append(text);
  return error;
}
