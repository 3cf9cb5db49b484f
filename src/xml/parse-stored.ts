// Parses one element the server itself serialized earlier (a stored offline message or a pending
// subscription request), with the same restricted-XML rules as a stream.
import type { Element } from "./element.ts";
import { createFramedParser } from "./framed-parser.ts";

const parser = () => createFramedParser({ maxStanzaBytes: 64 * 1024 * 1024 });

/** The element, or undefined when the text is not one well-formed stanza. */
export function parseStoredElement(xml: string): Element | undefined {
  const r = parser().parse(xml);
  return r.kind === "stanza" ? r.element : undefined;
}
