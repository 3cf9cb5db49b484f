// Property-based fuzz targets (fast-check) for the parsers that read what peers send: the TCP stream
// parser (any chunking of the bytes), the WebSocket framed parser, authd's form/query parser and the
// SASL PLAIN decoder. Inputs start from the seed corpus in test/fixtures/fuzz/ and are mutated.
// Invariants: no throw escapes; no event after an error (or after the stream's end); every emitted
// stanza re-parses to itself after serialisation; no call takes more than 100 ms.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import fc from "fast-check";
import { parseForm } from "../../src/authd/form-params.ts";
import { decodeSaslData, parsePlain } from "../../src/stream/sasl-plain.ts";
import { type Element, serialize } from "../../src/xml/element.ts";
import { createFramedParser } from "../../src/xml/framed-parser.ts";
import { createStreamParser, type StreamParserOptions } from "../../src/xml/stream-parser.ts";

const seeds = (name: string): string[] =>
  JSON.parse(
    readFileSync(new URL(`../fixtures/fuzz/${name}-seeds.json`, import.meta.url), "utf8"),
  ) as string[];

const MAX_MS = 100;

/** Runs `f`; a call over the budget is run once more (a GC pause or a busy machine is not a finding). */
function timed<T>(what: string, f: () => T): T {
  const started = performance.now();
  const result = f();
  if (performance.now() - started <= MAX_MS) return result;
  const again = performance.now();
  f();
  const ms = performance.now() - again;
  assert.ok(ms <= MAX_MS, `${what} took ${ms.toFixed(0)} ms`);
  return result;
}

// Generated elements: a few names (one prefixed, declared), attributes and text of any Unicode.
const text = fc.string({ unit: "grapheme", maxLength: 12 });
const attrs = fc.dictionary(fc.constantFrom("id", "to", "type", "xml:lang", "a", "p:b"), text, {
  maxKeys: 3,
});
const elementXml: fc.Arbitrary<string> = fc.letrec<{ el: string }>((tie) => ({
  el: fc
    .tuple(
      fc.constantFrom("message", "iq", "presence", "body", "x", "p:y"),
      attrs,
      fc.array(fc.oneof({ depthSize: "small" }, text.map(escape), tie("el")), { maxLength: 4 }),
    )
    .map(([name, as, children]) => {
      let open = `<${name}`;
      if (name.startsWith("p:") || Object.keys(as).some((k) => k.startsWith("p:")))
        open += ` xmlns:p='urn:p'`;
      for (const [k, v] of Object.entries(as)) open += ` ${k}='${escape(v)}'`;
      return children.length === 0 ? `${open}/>` : `${open}>${children.join("")}</${name}>`;
    }),
})).el;

function escape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/'/g, "&apos;");
}

const NOISE = [
  "<",
  ">",
  "&",
  "'",
  '"',
  "/",
  "=",
  "\0",
  "\uD800",
  "😀",
  "]]>",
  "<a>",
  "</a>",
  " xmlns:p='u'",
  "&#13;",
];

/** Inserts or deletes a few characters: mostly well-formed input with a few rough edges. */
function mutated(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const edit = fc.record({
    at: fc.nat(),
    cut: fc.nat({ max: 3 }),
    insert: fc.oneof(fc.constantFrom(...NOISE), fc.string({ maxLength: 3 })),
  });
  return fc.tuple(base, fc.array(edit, { maxLength: 3 })).map(([s, edits]) => {
    for (const e of edits) {
      const at = s.length === 0 ? 0 : e.at % (s.length + 1);
      s = s.slice(0, at) + e.insert + s.slice(at + e.cut);
    }
    return s;
  });
}

type Seen = { type: string; xml?: string; condition?: string };

function runStream(
  chunks: Buffer[],
  limits: Partial<StreamParserOptions>,
): { events: Seen[]; els: Element[] } {
  const events: Seen[] = [];
  const els: Element[] = [];
  const parser = createStreamParser({
    ...limits,
    onStreamStart: () => events.push({ type: "start" }),
    onStanza: (el) => {
      els.push(el);
      events.push({ type: "stanza", xml: serialize(el) });
    },
    onStreamEnd: () => events.push({ type: "end" }),
    onError: (err) => events.push({ type: "error", condition: err.condition }),
  });
  for (const c of chunks) timed("a stream parser write", () => parser.write(c));
  timed("the stream parser's end", () => parser.end());
  return { events, els };
}

const [STREAM_HEADER = ""] = seeds("stream");
const STREAM_PARTS = seeds("stream").slice(1);
const LIMITS = { maxStanzaBytes: 4096, maxStanzaDepth: 12 };

/** The TCP stream parser: the same bytes in any chunks give the same events, and they are sane. */
export function streamParser(): fc.IProperty<[string, number[]]> {
  const doc = fc
    .tuple(fc.array(fc.oneof(fc.constantFrom(...STREAM_PARTS), elementXml), { maxLength: 6 }), fc.boolean())
    .map(([parts, close]) => STREAM_HEADER + parts.join("") + (close ? "</stream:stream>" : ""));
  return fc.property(mutated(doc), fc.array(fc.nat(), { maxLength: 8 }), (input, cuts) => {
    const bytes = Buffer.from(input, "utf8");
    const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
    const chunks: Buffer[] = [];
    let from = 0;
    for (const p of [...points, bytes.length]) {
      chunks.push(bytes.subarray(from, p));
      from = p;
    }
    const whole = runStream([bytes], LIMITS);
    const pieces = runStream(chunks, LIMITS);
    assert.deepEqual(pieces.events, whole.events, "chunking changed what was parsed");
    const last = whole.events.findIndex((e) => e.type === "error" || e.type === "end");
    assert.ok(last === -1 || last === whole.events.length - 1, "an event after an error or the end");
    for (const el of whole.els) {
      const xml = serialize(el);
      const again = runStream([Buffer.from(STREAM_HEADER + xml)], {}).els;
      assert.equal(again.length, 1, `re-parsing ${xml}`);
      assert.equal(serialize(again[0] as Element), xml, "a stanza re-parses to itself");
    }
  });
}

/** The WebSocket framed parser: one message at a time. */
export function framedParser(): fc.IProperty<[string]> {
  const parser = createFramedParser(LIMITS);
  const message = mutated(fc.oneof(fc.constantFrom(...seeds("ws")), elementXml));
  // The transport decodes each message as UTF-8 first: the text never holds a lone surrogate.
  const decoded = message.map((s) => Buffer.from(s, "utf8").toString("utf8"));
  return fc.property(decoded, (input) => {
    const result = timed("a framed parse", () => parser.parse(input));
    if (result.kind !== "stanza") return;
    const xml = serialize(result.element);
    const again = createFramedParser().parse(xml);
    assert.equal(again.kind, "stanza", `re-parsing ${xml}`);
    if (again.kind === "stanza") assert.equal(serialize(again.element), xml, "a stanza re-parses to itself");
  });
}

const WANTED = ["user", "server", "pass"] as const;
const formEncode = (s: string) => encodeURIComponent(s).replace(/%20/g, "+");

/** authd's form/query parser: anything is a result, and encoded values decode to themselves. */
export function formParser(): fc.IProperty<[string, string, Record<string, string>]> {
  const raw = mutated(fc.constantFrom(...seeds("form")));
  const values = fc.record({
    user: fc.string({ unit: "grapheme" }),
    server: fc.string({ unit: "grapheme" }),
    pass: fc.string({ unit: "grapheme" }),
  });
  return fc.property(raw, raw, values, (query, body, v) => {
    const r = timed("a form parse", () => parseForm([query, body], WANTED));
    assert.equal(typeof r.ok, "boolean");
    const encoded = WANTED.map((k) => `${k}=${formEncode(v[k])}`).join("&");
    const back = parseForm(["", encoded], WANTED);
    assert.ok(back.ok, encoded);
    if (back.ok) for (const k of WANTED) assert.equal(back.params.get(k), v[k]);
  });
}

/** The SASL PLAIN decoder: any text is a result; a well-formed message gives its parts back. */
export function saslPlain(): fc.IProperty<[string, string, string]> {
  const data = mutated(fc.constantFrom(...seeds("sasl")));
  const user = fc.stringMatching(/^[a-z0-9._-]{1,20}$/);
  return fc.property(data, user, fc.string({ unit: "grapheme", minLength: 1 }), (text, name, password) => {
    timed("a SASL PLAIN decode", () => {
      const bytes = decodeSaslData(text);
      if (bytes !== undefined) parsePlain(bytes);
    });
    const message = Buffer.from(`\0${name}\0${password}`).toString("base64");
    const bytes = decodeSaslData(message);
    assert.ok(bytes !== undefined);
    const parsed = parsePlain(bytes);
    if (parsed.ok) assert.equal(parsed.user, name);
    else assert.notEqual(parsed.condition, "malformed-request", "a well-formed message");
  });
}

export const TARGETS = { streamParser, framedParser, formParser, saslPlain } as const;

/** Runs every target for `msEach` ms (or until it fails); throws fast-check's report on a failure. */
export function runAll(msEach: number, seed?: number): void {
  for (const [name, make] of Object.entries(TARGETS)) {
    const out = fc.check(make() as fc.IProperty<unknown[]>, {
      numRuns: Number.MAX_SAFE_INTEGER,
      interruptAfterTimeLimit: msEach,
      ...(seed === undefined ? {} : { seed }),
    });
    if (out.failed) throw new Error(`fuzz target ${name}: ${fc.defaultReportMessage(out) ?? "failed"}`);
  }
}
