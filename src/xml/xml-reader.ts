// RFC 6120 §11 (XML usage): restricted XML, namespaces and byte limits on top of saxes, shared by
// the TCP stream parser (RFC 6120 §4) and the WebSocket framed parser (RFC 7395 §3.3).
import { SaxesParser, type SaxesTagNS, type XMLDecl } from "saxes";
import type { Element } from "./element.ts";
import { ElementBuilder } from "./element-builder.ts";
import type { XmlLimits } from "./limits.ts";
import type { StreamErrorCondition } from "./stream-errors.ts";

export interface XmlReaderEvents {
  /** Stream mode: the root start tag is complete. */
  onRoot(tag: SaxesTagNS): void;
  /** A complete top-level element (a stanza, or the document's root) and about how many bytes it took. */
  onElement(el: Element, bytes: number): void;
  /** Stream mode: the root's end tag. */
  onRootEnd(): void;
  /** Called once; afterwards the reader ignores everything. */
  onError(condition: StreamErrorCondition, text: string): void;
}

export interface XmlReaderOptions {
  /** "stream": the root is <stream:stream> and its children are emitted; "document": the root is. */
  mode: "stream" | "document";
  limits: XmlLimits;
  /** The namespace of unprefixed elements when the input declares none (RFC 7395 §3.3.3). */
  defaultNamespace?: string;
  events: XmlReaderEvents;
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

/** Thrown out of saxes by a handler to stop parsing in the middle of a slice; caught in `write`. */
const ABANDON = new Error("parse abandoned");

type Segment = "prolog" | "element" | "idle" | "epilog";

const SAX_OPTIONS = { xmlns: true, position: true, forceXMLVersion: true, defaultXMLVersion: "1.0" } as const;

export class XmlReader {
  private readonly events: XmlReaderEvents;
  private readonly limits: XmlLimits;
  private readonly emitDepth: number;
  private readonly sax: SaxesParser<typeof SAX_OPTIONS>;
  private readonly builder = new ElementBuilder();
  private halted = false;
  private openCount = 0;
  private emitted = false;
  // Byte accounting: `used` bytes of the current segment; `slice` is what saxes is reading, the
  // part before `mark` has been counted, and `fed` is how many UTF-16 units came before the slice.
  private segment: Segment = "prolog";
  private used = 0;
  private slice = "";
  private sliceStart = 0;
  private mark = 0;
  private fed = 0;
  // Between stanzas only whitespace may appear before the next "<".
  private idleInMarkup = false;
  // saxes reports a mismatched end tag *after* its closetag event, at the same position, so an end
  // tag only takes effect once the next event (or the end of the slice) shows it was not refused.
  private pendingClose = false;
  private pendingPosition = -1;

  constructor(options: XmlReaderOptions) {
    this.events = options.events;
    this.limits = options.limits;
    this.emitDepth = options.mode === "stream" ? 1 : 0;
    const ns = options.defaultNamespace;
    const sax = new SaxesParser(
      ns === undefined ? SAX_OPTIONS : { ...SAX_OPTIONS, additionalNamespaces: { "": ns } },
    );
    this.sax = sax;
    // saxes calls some handlers without a `this`: each is a small arrow into a method.
    sax.on("doctype", () => this.restricted("DTDs"));
    sax.on("comment", () => this.restricted("comments"));
    sax.on("processinginstruction", () => this.restricted("processing instructions"));
    sax.on("xmldecl", (decl) => this.xmlDecl(decl));
    sax.on("opentagstart", (tag) => this.openTagStart(tag));
    sax.on("opentag", (tag) => this.openTag(tag));
    sax.on("closetag", () => this.closeTag());
    sax.on("text", (text) => this.text(text));
    sax.on("cdata", (text) => this.cdata(text));
    sax.on("error", (err) => this.saxError(err));
  }

  /** Stops for good, dropping what is left of the current write (a stream restart). */
  get stopped(): boolean {
    return this.halted;
  }

  private get isStream(): boolean {
    return this.emitDepth === 1;
  }

  write(text: string): void {
    let i = 0;
    while (i < text.length && !this.halted) {
      let end = Math.min(text.length, i + SLICE_UNITS);
      const last = text.charCodeAt(end - 1);
      if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++; // keep surrogate pairs whole
      const slice = text.slice(i, end);
      this.slice = slice;
      this.sliceStart = this.fed;
      this.mark = 0;
      try {
        this.sax.write(slice);
      } catch (err) {
        // Our own signal to leave saxes at once (see `abandon`), or a throwing callback: either
        // way the parse state is unknown, so stop.
        this.halted = true;
        if (err === ABANDON) return;
        throw err;
      }
      this.fed += slice.length;
      if (!this.halted) this.commit();
      if (!this.halted) this.account(this.sliceStart + slice.length);
      i = end;
    }
    // Keep no reference to the caller's text between writes (an idle stream holds nothing).
    this.slice = "";
    this.mark = 0;
  }

  /** The input is over: an incomplete document is an error. */
  finish(): void {
    if (this.halted) return;
    this.commit();
    if (this.halted) return;
    const segment = this.segment;
    if (!this.isStream) {
      this.sax.close();
      if (!this.emitted) this.fail("not-well-formed", "no element");
    } else if (
      segment === "element" ||
      (segment === "idle" && this.idleInMarkup) ||
      (segment === "prolog" && this.used > 0)
    ) {
      this.fail("not-well-formed", "the input ended inside markup");
    }
    this.halted = true;
  }

  /** Fails with this condition (for checks made by the owner, e.g. on the stream header). */
  fail(condition: StreamErrorCondition, text: string): void {
    if (this.halted) return;
    this.halted = true;
    this.pendingClose = false;
    this.events.onError(condition, text);
  }

  /** Stops for good, dropping what is left of the current write (a stream restart). */
  stop(): void {
    this.halted = true;
  }

  /** Every event starts here: settle a pending end tag, then count the bytes read so far. */
  private enter(): boolean {
    if (this.halted) return false;
    this.commit();
    if (this.halted) return false;
    this.account(this.sax.position);
    return !this.halted;
  }

  private restricted(what: string): void {
    if (this.enter()) this.fail("restricted-xml", `${what} are not allowed in XMPP (RFC 6120 §11.1)`);
  }

  private xmlDecl(decl: XMLDecl): void {
    if (!this.enter()) return;
    // RFC 6120 §11.6: UTF-8 only. The bytes were already decoded as UTF-8; a declaration naming
    // another encoding means the sender meant something else.
    if (decl.encoding !== undefined && decl.encoding.toLowerCase() !== "utf-8") {
      this.fail("unsupported-encoding", `encoding "${decl.encoding}" is not supported; use UTF-8`);
    }
  }

  private openTagStart(tag: { name: string }): void {
    if (!this.enter()) return;
    // Checked at the name, before saxes resolves the namespaces of a tag one level too deep.
    if (this.openCount - this.emitDepth >= this.limits.maxStanzaDepth) {
      this.fail("policy-violation", `a stanza nested deeper than ${this.limits.maxStanzaDepth} levels`);
      // Not one more tag of the slice: saxes would keep stacking (and resolving) the rest.
      throw ABANDON;
    }
    if (this.openCount !== this.emitDepth) return;
    // The element's bytes start at its "<": "<", the name and the character saxes stopped at.
    this.segment = "element";
    this.used = Buffer.byteLength(tag.name, "utf8") + 2;
    this.checkLimit();
  }

  private openTag(tag: SaxesTagNS): void {
    if (!this.enter()) return;
    const level = this.openCount++;
    if (this.isStream && level === 0) {
      this.startIdle();
      this.events.onRoot(tag);
    } else if (level >= this.emitDepth) {
      this.builder.open(tag);
    }
  }

  private closeTag(): void {
    if (!this.enter()) return;
    this.pendingClose = true;
    this.pendingPosition = this.sax.position;
  }

  private text(text: string): void {
    if (this.enter() && this.builder.depth > 0) this.builder.text(text);
  }

  private cdata(text: string): void {
    if (!this.enter()) return;
    if (this.builder.depth > 0) this.builder.text(text);
    else if (this.segment === "idle") {
      if (/[^ \t\r\n]/.test(text)) this.fail("not-well-formed", "character data between stanzas");
      this.idleInMarkup = false;
    }
  }

  private saxError(err: Error): void {
    if (this.halted) return;
    // The refusal of the end tag just reported: it never closed anything.
    if (this.pendingClose && this.sax.position === this.pendingPosition) this.pendingClose = false;
    else this.commit();
    // Text before the error not yet counted may hold an earlier fault (text between stanzas, a
    // limit): report the first one, as when the input arrives in other chunks.
    if (!this.halted) this.account(this.sax.position);
    if (this.halted) return;
    const message = err.message;
    const isRestricted = RESTRICTED_MESSAGES.some((m) => message.includes(m));
    this.fail(isRestricted ? "restricted-xml" : "not-well-formed", message);
  }

  private startIdle(): void {
    this.segment = this.isStream ? "idle" : "epilog";
    this.used = 0;
    this.idleInMarkup = false;
  }

  private checkLimit(): void {
    const { segment, limits } = this;
    const limit =
      segment === "element"
        ? limits.maxStanzaBytes
        : segment === "prolog"
          ? limits.maxHeaderBytes
          : limits.maxIdleBytes;
    if (this.used <= limit) return;
    const what =
      segment === "element"
        ? "a stanza"
        : segment === "prolog"
          ? "the stream header"
          : "whitespace between stanzas";
    this.fail("policy-violation", `${what} exceeded ${limit} bytes`);
  }

  private scanIdle(piece: string): void {
    for (let i = 0; i < piece.length; i++) {
      const c = piece.charCodeAt(i);
      if (c === 0x3c /* < */) {
        this.idleInMarkup = true;
        return;
      }
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) {
        this.fail("not-well-formed", "character data between stanzas");
        return;
      }
    }
  }

  /** Counts the bytes of the slice read up to saxes' position `position` against the current segment. */
  private account(position: number): void {
    const end = Math.min(Math.max(position - this.sliceStart, this.mark), this.slice.length);
    if (end === this.mark) return;
    const piece = this.slice.slice(this.mark, end);
    this.mark = end;
    if (this.segment === "idle" && !this.idleInMarkup) this.scanIdle(piece);
    if (this.halted) return;
    this.used += Buffer.byteLength(piece, "utf8");
    this.checkLimit();
  }

  private commit(): void {
    if (!this.pendingClose) return;
    this.pendingClose = false;
    this.openCount--;
    if (this.isStream && this.openCount === 0) {
      this.halted = true;
      this.events.onRootEnd();
      return;
    }
    if (this.openCount < this.emitDepth) return;
    const el = this.builder.close();
    if (el === undefined) return;
    const bytes = this.used;
    this.startIdle();
    this.emitted = true;
    this.events.onElement(el, bytes);
  }
}

export function createXmlReader(options: XmlReaderOptions): XmlReader {
  return new XmlReader(options);
}
