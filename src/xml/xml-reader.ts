// RFC 6120 §11 (XML usage): restricted XML, namespaces and byte limits on top of saxes, shared by
// the TCP stream parser (RFC 6120 §4) and the WebSocket framed parser (RFC 7395 §3.3).
import { SaxesParser, type SaxesTagNS, type XMLDecl } from "saxes";
import type { Element } from "./element.ts";
import { createElementBuilder } from "./element-builder.ts";
import type { XmlLimits } from "./limits.ts";
import type { StreamErrorCondition } from "./stream-errors.ts";

export interface XmlReaderOptions {
  /** "stream": the root is <stream:stream> and its children are emitted; "document": the root is. */
  mode: "stream" | "document";
  limits: XmlLimits;
  /** The namespace of unprefixed elements when the input declares none (RFC 7395 §3.3.3). */
  defaultNamespace?: string;
  /** Stream mode: the root start tag is complete. */
  onRoot(tag: SaxesTagNS): void;
  /** A complete top-level element (a stanza, or the document's root). */
  onElement(el: Element): void;
  /** Stream mode: the root's end tag. */
  onRootEnd(): void;
  /** Called once; afterwards the reader ignores everything. */
  onError(condition: StreamErrorCondition, text: string): void;
}

export interface XmlReader {
  write(text: string): void;
  /** The input is over: an incomplete document is an error. */
  finish(): void;
  /** Fails with this condition (for checks made by the owner, e.g. on the stream header). */
  fail(condition: StreamErrorCondition, text: string): void;
  /** Stops for good, dropping what is left of the current write (a stream restart). */
  stop(): void;
  readonly stopped: boolean;
}

// Text is fed to saxes in slices so that a limit is noticed after at most this many UTF-16 units
// (≤ 3 bytes each) beyond it, however large the caller's chunk.
const SLICE_UNITS = 4096;

// saxes reports every problem as a message; these are the ones RFC 6120 §11.1 calls restricted XML
// rather than malformed. Tests pin each one, so a saxes upgrade that rewords one is caught. (Other
// processing instructions and DOCTYPEs before the root reach our own handlers instead.)
const RESTRICTED_MESSAGES = [
  "undefined entity", // any entity but the five predefined ones: no DTD can declare it (§11.1)
  "doctype", // a DOCTYPE after the root: saxes rejects it before our doctype handler would see it
  "XML declaration must", // an XML declaration anywhere but the very start is a processing instruction
];

type Segment = "prolog" | "element" | "idle" | "epilog";

export function createXmlReader(options: XmlReaderOptions): XmlReader {
  const { mode, limits } = options;
  const emitDepth = mode === "stream" ? 1 : 0;
  const builder = createElementBuilder();
  const sax = new SaxesParser({
    xmlns: true,
    position: true,
    forceXMLVersion: true,
    defaultXMLVersion: "1.0",
    ...(options.defaultNamespace !== undefined && { additionalNamespaces: { "": options.defaultNamespace } }),
  });

  let stopped = false;
  let openCount = 0;
  let emitted = false;
  // Byte accounting: `used` bytes of the current segment; `slice` is what saxes is reading, the
  // part before `mark` has been counted, and `fed` is how many UTF-16 units came before the slice.
  let segment: Segment = "prolog";
  let used = 0;
  let slice = "";
  let sliceStart = 0;
  let mark = 0;
  let fed = 0;
  // Between stanzas only whitespace may appear before the next "<".
  let idleInMarkup = false;
  // saxes reports a mismatched end tag *after* its closetag event, at the same position, so an end
  // tag only takes effect once the next event (or the end of the slice) shows it was not refused.
  let pendingClose = false;
  let pendingPosition = -1;

  function fail(condition: StreamErrorCondition, text: string): void {
    if (stopped) return;
    stopped = true;
    pendingClose = false;
    options.onError(condition, text);
  }

  function limitOf(s: Segment): number {
    if (s === "element") return limits.maxStanzaBytes;
    if (s === "prolog") return limits.maxHeaderBytes;
    return limits.maxIdleBytes;
  }

  function checkLimit(): void {
    const limit = limitOf(segment);
    if (used <= limit) return;
    const what =
      segment === "element"
        ? "a stanza"
        : segment === "prolog"
          ? "the stream header"
          : "whitespace between stanzas";
    fail("policy-violation", `${what} exceeded ${limit} bytes`);
  }

  function scanIdle(piece: string): void {
    for (let i = 0; i < piece.length; i++) {
      const c = piece.charCodeAt(i);
      if (c === 0x3c /* < */) {
        idleInMarkup = true;
        return;
      }
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) {
        fail("not-well-formed", "character data between stanzas");
        return;
      }
    }
  }

  /** Counts the bytes of the slice read up to saxes' position `position` against the current segment. */
  function account(position: number): void {
    const end = Math.min(Math.max(position - sliceStart, mark), slice.length);
    if (end === mark) return;
    const piece = slice.slice(mark, end);
    mark = end;
    if (segment === "idle" && !idleInMarkup) scanIdle(piece);
    if (stopped) return;
    used += Buffer.byteLength(piece, "utf8");
    checkLimit();
  }

  function commit(): void {
    if (!pendingClose) return;
    pendingClose = false;
    openCount--;
    if (mode === "stream" && openCount === 0) {
      stopped = true;
      options.onRootEnd();
      return;
    }
    if (openCount < emitDepth) return;
    const el = builder.close();
    if (el === undefined) return;
    segment = mode === "stream" ? "idle" : "epilog";
    used = 0;
    idleInMarkup = false;
    emitted = true;
    options.onElement(el);
  }

  /** Every event starts here: settle a pending end tag, then count the bytes read so far. */
  function enter(): boolean {
    if (stopped) return false;
    commit();
    if (stopped) return false;
    account(sax.position);
    return !stopped;
  }

  const restricted = (what: string) => () => {
    if (enter()) fail("restricted-xml", `${what} are not allowed in XMPP (RFC 6120 §11.1)`);
  };
  sax.on("doctype", restricted("DTDs"));
  sax.on("comment", restricted("comments"));
  sax.on("processinginstruction", restricted("processing instructions"));

  sax.on("xmldecl", (decl: XMLDecl) => {
    if (!enter()) return;
    // RFC 6120 §11.6: UTF-8 only. The bytes were already decoded as UTF-8; a declaration naming
    // another encoding means the sender meant something else.
    if (decl.encoding !== undefined && decl.encoding.toLowerCase() !== "utf-8") {
      fail("unsupported-encoding", `encoding "${decl.encoding}" is not supported; use UTF-8`);
    }
  });

  sax.on("opentagstart", (tag) => {
    if (!enter() || openCount !== emitDepth) return;
    // The element's bytes start at its "<": "<", the name and the character saxes stopped at.
    segment = "element";
    used = Buffer.byteLength(tag.name, "utf8") + 2;
    checkLimit();
  });

  sax.on("opentag", (tag) => {
    if (!enter()) return;
    const level = openCount++;
    if (mode === "stream" && level === 0) {
      segment = "idle";
      used = 0;
      idleInMarkup = false;
      options.onRoot(tag);
    } else if (level >= emitDepth) {
      builder.open(tag);
    }
  });

  sax.on("closetag", () => {
    if (!enter()) return;
    pendingClose = true;
    pendingPosition = sax.position;
  });

  sax.on("text", (text) => {
    if (enter() && builder.depth > 0) builder.text(text);
  });

  sax.on("cdata", (text) => {
    if (!enter()) return;
    if (builder.depth > 0) builder.text(text);
    else if (segment === "idle") {
      if (/[^ \t\r\n]/.test(text)) fail("not-well-formed", "character data between stanzas");
      idleInMarkup = false;
    }
  });

  sax.on("error", (err) => {
    if (stopped) return;
    // The refusal of the end tag just reported: it never closed anything.
    if (pendingClose && sax.position === pendingPosition) pendingClose = false;
    else commit();
    const message = err.message;
    const isRestricted = RESTRICTED_MESSAGES.some((m) => message.includes(m));
    fail(isRestricted ? "restricted-xml" : "not-well-formed", message);
  });

  return {
    write(text) {
      let i = 0;
      while (i < text.length && !stopped) {
        let end = Math.min(text.length, i + SLICE_UNITS);
        const last = text.charCodeAt(end - 1);
        if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++; // keep surrogate pairs whole
        slice = text.slice(i, end);
        sliceStart = fed;
        mark = 0;
        try {
          sax.write(slice);
        } catch (err) {
          // Only a throwing callback gets here; the parse state is unknown, so stop.
          stopped = true;
          throw err;
        }
        fed += slice.length;
        if (!stopped) commit();
        if (!stopped) account(sliceStart + slice.length);
        i = end;
      }
    },

    finish() {
      if (stopped) return;
      commit();
      if (stopped) return;
      if (mode === "document") {
        sax.close();
        if (!emitted) fail("not-well-formed", "no element");
      } else if (
        segment === "element" ||
        (segment === "idle" && idleInMarkup) ||
        (segment === "prolog" && used > 0)
      ) {
        fail("not-well-formed", "the input ended inside markup");
      }
      stopped = true;
    },

    fail,

    stop() {
      stopped = true;
    },

    get stopped() {
      return stopped;
    },
  };
}
