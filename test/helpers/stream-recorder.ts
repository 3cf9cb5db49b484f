// Test helpers for the TCP stream parser: a recorder of its events and a namespace-aware reader.
import assert from "node:assert/strict";
import { SaxesParser } from "saxes";
import { serialize, type Element } from "../../src/xml/element.ts";
import { NS_STREAMS, type StreamErrorInfo } from "../../src/xml/stream-errors.ts";
import { createStreamParser, type StreamParserOptions } from "../../src/xml/stream-parser.ts";

export const OPEN = `<stream:stream xmlns='jabber:client' xmlns:stream='${NS_STREAMS}' to='example.com' version='1.0' xml:lang='en'>`;
export const HEADER = "<?xml version='1.0'?>" + OPEN;

export type Event =
  | { type: "start"; name: string; attrs: Record<string, string> }
  | { type: "stanza"; xml: string; el: Element }
  | { type: "end" }
  | ({ type: "error" } & StreamErrorInfo);

export function recorder(limits: Partial<StreamParserOptions> = {}) {
  const events: Event[] = [];
  const parser = createStreamParser({
    ...limits,
    onStreamStart: (root) => events.push({ type: "start", ...root }),
    onStanza: (el) => events.push({ type: "stanza", xml: serialize(el), el }),
    onStreamEnd: () => events.push({ type: "end" }),
    onError: (err) => events.push({ type: "error", ...err }),
  });
  return { parser, events };
}

/** Feeds the chunks and returns what came out, without the Element objects. */
export function run(chunks: (string | Buffer)[], limits: Partial<StreamParserOptions> = {}) {
  const { parser, events } = recorder(limits);
  for (const c of chunks) parser.write(c);
  return events.map((e) => (e.type === "stanza" ? { type: e.type, xml: e.xml } : e));
}

/** The stanzas parsed from one write. */
export function stanzas(input: string): Element[] {
  const { parser, events } = recorder();
  parser.write(input);
  return events.flatMap((e) => (e.type === "stanza" ? [e.el] : []));
}

export function errorOf(
  input: string | Buffer,
  limits: Partial<StreamParserOptions> = {},
): string | undefined {
  const errors = run([input], limits).filter((e) => e.type === "error");
  assert.ok(errors.length <= 1, "onError is reported once");
  return errors[0]?.type === "error" ? errors[0].condition : undefined;
}

/** Every element and attribute as {namespace}local, as a namespace-aware reader sees them. */
export function expandedNames(xml: string): string[] {
  const names: string[] = [];
  const sax = new SaxesParser({ xmlns: true });
  sax.on("opentag", (tag) => {
    names.push(`{${tag.uri}}${tag.local}`);
    for (const a of Object.values(tag.attributes)) {
      if (a.prefix !== "xmlns" && a.name !== "xmlns") names.push(`@{${a.uri}}${a.local}=${a.value}`);
    }
  });
  sax.on("error", (err) => {
    throw err;
  });
  sax.write(xml).close();
  return names;
}
