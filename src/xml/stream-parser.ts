// RFC 6120 §4 (XML streams) and §11 (XML usage): the incremental parser of a TCP c2s stream.
import type { SaxesTagNS } from "saxes";
import type { Element } from "./element.ts";
import { resolveLimits, type XmlLimits } from "./limits.ts";
import { NS_STREAMS, type StreamErrorCondition, type StreamErrorInfo } from "./stream-errors.ts";
import { Utf8Stream } from "./utf8-stream.ts";
import { XmlReader, type XmlReaderEvents } from "./xml-reader.ts";

export interface StreamStart {
  /** The name as written, normally "stream:stream". */
  name: string;
  /** The attributes as written, namespace declarations included. */
  attrs: Record<string, string>;
}

export interface StreamParserEvents {
  onStreamStart(root: StreamStart): void;
  /** A complete top-level element: a stanza, or stream:features, stream:error, starttls, auth… */
  onStanza(el: Element, bytes: number): void;
  /** The peer sent </stream:stream>. */
  onStreamEnd(): void;
  /** Reported once; the parser then ignores all input until reset(). */
  onError(err: StreamErrorInfo): void;
}

export interface StreamParserOptions extends Partial<XmlLimits>, StreamParserEvents {}

/**
 * The parser of one TCP connection.
 *
 * Invalid UTF-8 is `not-well-formed`: XML 1.0 §4.3.3 makes bytes that do not decode in the
 * document's encoding a fatal error, and RFC 6120 §11.6 keeps `unsupported-encoding` for a peer
 * using another encoding — a declaration naming one, or a UTF-16 byte order mark.
 */
export class StreamParser implements XmlReaderEvents {
  private readonly events: StreamParserEvents;
  private readonly limits: XmlLimits;
  private reader!: XmlReader;
  private utf8!: Utf8Stream;
  private firstByte = -1;

  constructor(options: StreamParserOptions) {
    this.events = options;
    this.limits = resolveLimits(options);
    this.start();
  }

  /** Feeds bytes as they arrive; a Buffer may end in the middle of a UTF-8 sequence. */
  write(chunk: Buffer | string): void {
    if (this.reader.stopped) return;
    const text = this.decode(chunk);
    if (text !== undefined && text !== "") this.reader.write(text);
  }

  /**
   * Starts a new document (RFC 6120 §4.3.3, after STARTTLS and SASL success). Called from inside a
   * callback, it also drops the rest of the chunk being written: bytes sent before a TLS handshake
   * must never be read as part of the protected stream (the STARTTLS injection attack).
   */
  reset(): void {
    this.reader.stop();
    this.start();
  }

  /** The transport closed. Input cut inside markup or a UTF-8 sequence is reported as an error. */
  end(): void {
    const reader = this.reader;
    if (reader.stopped) return;
    if (this.utf8.pending) return this.invalidUtf8();
    reader.finish();
  }

  // XmlReaderEvents, called by this parser's own reader.

  onRoot(tag: SaxesTagNS): void {
    // RFC 6120 §4.8.1: the stream namespace; §4.8.5: its prefix must be "stream".
    if (tag.local !== "stream" || tag.uri !== NS_STREAMS) {
      this.reader.fail(
        "invalid-namespace",
        `the first element must be <stream:stream xmlns:stream="${NS_STREAMS}">`,
      );
      return;
    }
    if (tag.prefix !== "stream") {
      this.reader.fail("bad-namespace-prefix", 'the stream namespace must use the prefix "stream"');
      return;
    }
    const attrs: Record<string, string> = {};
    for (const attr of Object.values(tag.attributes)) attrs[attr.name] = attr.value;
    this.events.onStreamStart({ name: tag.name, attrs });
  }

  onElement(el: Element, bytes: number): void {
    this.events.onStanza(el, bytes);
  }

  onRootEnd(): void {
    this.events.onStreamEnd();
  }

  onError(condition: StreamErrorCondition, text: string): void {
    this.events.onError({ condition, text });
  }

  private start(): void {
    this.utf8 = new Utf8Stream();
    this.firstByte = -1;
    this.reader = new XmlReader({ mode: "stream", limits: this.limits, events: this });
  }

  private decode(chunk: Buffer | string): string | undefined {
    // Text bypasses the decoder, which must not be holding half a character.
    if (typeof chunk === "string") return this.utf8.pending ? this.invalidUtf8() : chunk;
    if (this.firstByte === -1 && chunk.length > 0) this.firstByte = chunk[0] ?? -1;
    // A UTF-8 byte order mark comes through as U+FEFF, which saxes skips at the start of a document.
    return this.utf8.decode(chunk) ?? this.invalidUtf8();
  }

  private invalidUtf8(): undefined {
    // 0xFE/0xFF never start UTF-8: a UTF-16 byte order mark.
    const utf16 = this.firstByte === 0xfe || this.firstByte === 0xff;
    this.reader.fail(
      utf16 ? "unsupported-encoding" : "not-well-formed",
      utf16 ? "XMPP streams must be UTF-8 (RFC 6120 §11.6)" : "invalid UTF-8",
    );
    return undefined;
  }
}

export function createStreamParser(options: StreamParserOptions): StreamParser {
  return new StreamParser(options);
}
