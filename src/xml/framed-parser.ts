// RFC 7395 §3.3: XMPP over WebSocket, where every message is exactly one complete XML element.
import type { Element } from "./element.ts";
import { resolveLimits, type XmlLimits } from "./limits.ts";
import { NS_CLIENT, NS_FRAMING, type StreamErrorCondition } from "./stream-errors.ts";
import { createXmlReader } from "./xml-reader.ts";

export type FramedResult =
  /** <open xmlns="urn:ietf:params:xml:ns:xmpp-framing" …/>: a stream (re)start (RFC 7395 §3.4). */
  | { kind: "open"; attrs: Record<string, string> }
  /** <close xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>: the stream ends (RFC 7395 §3.6). */
  | { kind: "close"; attrs: Record<string, string> }
  /** Any other element, with its namespace explicit in `xmlns` (jabber:client when not given). */
  | { kind: "stanza"; element: Element; bytes: number }
  | { kind: "error"; condition: StreamErrorCondition; text: string };

export interface FramedParserOptions extends Partial<XmlLimits> {
  /** The namespace of an unqualified element; RFC 7395 §3.3.3 has stanzas in jabber:client. */
  defaultNamespace?: string;
}

export interface FramedParser {
  parse(message: string): FramedResult;
}

/**
 * Each message is parsed as its own document with the same restrictions and limits as a TCP
 * stream; `maxStanzaBytes` bounds the whole message. Whitespace around the element is tolerated
 * (it is not character data of any element); anything else outside it is `not-well-formed`.
 */
export function createFramedParser(options: FramedParserOptions = {}): FramedParser {
  const limits = resolveLimits(options);
  const defaultNamespace = options.defaultNamespace ?? NS_CLIENT;

  return {
    parse(message) {
      // Refuse an oversized message before parsing any of it.
      const bytes = Buffer.byteLength(message, "utf8");
      if (bytes > limits.maxStanzaBytes) {
        return {
          kind: "error",
          condition: "policy-violation",
          text: `a message exceeded ${limits.maxStanzaBytes} bytes`,
        };
      }
      let element: Element | undefined;
      let error: FramedResult | undefined;
      const reader = createXmlReader({
        mode: "document",
        limits,
        defaultNamespace,
        events: {
          onRoot: () => {},
          onElement: (el) => {
            element = el;
          },
          onRootEnd: () => {},
          onError: (condition, text) => {
            error = { kind: "error", condition, text };
          },
        },
      });
      reader.write(message);
      reader.finish();
      if (error !== undefined) return error;
      if (element === undefined) return { kind: "error", condition: "not-well-formed", text: "no element" };
      if (element.xmlns === NS_FRAMING && (element.localName === "open" || element.localName === "close")) {
        // RFC 7395 §3.3.2 and its schema: the framing elements are empty; a stanza smuggled inside
        // <close/> must not be processed, nor silently dropped.
        if (element.children.length > 0) {
          return {
            kind: "error",
            condition: "invalid-xml",
            text: `<${element.localName}/> must be empty (RFC 7395 §3.3.2)`,
          };
        }
        return { kind: element.localName === "open" ? "open" : "close", attrs: element.attrs };
      }
      return { kind: "stanza", element, bytes };
    },
  };
}
