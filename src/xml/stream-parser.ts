// RFC 6120 §4 (XML streams) and §11 (XML usage): the incremental parser of a TCP c2s stream.
import { TextDecoder } from "node:util";
import type { Element } from "./element.ts";
import { resolveLimits, type XmlLimits } from "./limits.ts";
import { NS_STREAMS, type StreamErrorInfo } from "./stream-errors.ts";
import { createXmlReader, type XmlReader } from "./xml-reader.ts";

export interface StreamStart {
  /** The name as written, normally "stream:stream". */
  name: string;
  /** The attributes as written, namespace declarations included. */
  attrs: Record<string, string>;
}

export interface StreamParserOptions extends Partial<XmlLimits> {
  onStreamStart(root: StreamStart): void;
  /** A complete top-level element: a stanza, or stream:features, stream:error, starttls, auth… */
  onStanza(el: Element): void;
  /** The peer sent </stream:stream>. */
  onStreamEnd(): void;
  /** Reported once; the parser then ignores all input until reset(). */
  onError(err: StreamErrorInfo): void;
}

export interface StreamParser {
  /** Feeds bytes as they arrive; a Buffer may end in the middle of a UTF-8 sequence. */
  write(chunk: Buffer | string): void;
  /**
   * Starts a new document (RFC 6120 §4.3.3, after STARTTLS and SASL success). Called from inside a
   * callback, it also drops the rest of the chunk being written: bytes sent before a TLS handshake
   * must never be read as part of the protected stream (the STARTTLS injection attack).
   */
  reset(): void;
  /** The transport closed. Input cut inside markup or a UTF-8 sequence is reported as an error. */
  end(): void;
}

/**
 * Creates the parser for one TCP connection.
 *
 * Invalid UTF-8 is `not-well-formed`: XML 1.0 §4.3.3 makes bytes that do not decode in the
 * document's encoding a fatal error, and RFC 6120 §11.6 keeps `unsupported-encoding` for a peer
 * using another encoding — a declaration naming one, or a UTF-16 byte order mark.
 */
export function createStreamParser(options: StreamParserOptions): StreamParser {
  const limits = resolveLimits(options);
  let reader: XmlReader;
  let decoder: TextDecoder;
  let firstByte = -1;

  function start(): void {
    decoder = new TextDecoder("utf-8", { fatal: true });
    firstByte = -1;
    const self: XmlReader = createXmlReader({
      mode: "stream",
      limits,
      onRoot(tag) {
        // RFC 6120 §4.8.1: the stream namespace; §4.8.5: its prefix must be "stream".
        if (tag.local !== "stream" || tag.uri !== NS_STREAMS) {
          self.fail(
            "invalid-namespace",
            `the first element must be <stream:stream xmlns:stream="${NS_STREAMS}">`,
          );
          return;
        }
        if (tag.prefix !== "stream") {
          self.fail("bad-namespace-prefix", 'the stream namespace must use the prefix "stream"');
          return;
        }
        const attrs: Record<string, string> = {};
        for (const attr of Object.values(tag.attributes)) attrs[attr.name] = attr.value;
        options.onStreamStart({ name: tag.name, attrs });
      },
      onElement: (el) => options.onStanza(el),
      onRootEnd: () => options.onStreamEnd(),
      onError: (condition, text) => options.onError({ condition, text }),
    });
    reader = self;
  }

  function decode(chunk: Buffer | string, flush: boolean): string | undefined {
    try {
      if (typeof chunk === "string") {
        // Text bypasses the decoder, which must not be holding half a character.
        decoder.decode();
        return chunk;
      }
      if (firstByte === -1 && chunk.length > 0) firstByte = chunk[0] ?? -1;
      return decoder.decode(chunk, { stream: !flush });
    } catch {
      // 0xFE/0xFF never start UTF-8: a UTF-16 byte order mark.
      const utf16 = firstByte === 0xfe || firstByte === 0xff;
      reader.fail(
        utf16 ? "unsupported-encoding" : "not-well-formed",
        utf16 ? "XMPP streams must be UTF-8 (RFC 6120 §11.6)" : "invalid UTF-8",
      );
      return undefined;
    }
  }

  start();

  return {
    write(chunk) {
      if (reader.stopped) return;
      const text = decode(chunk, false);
      if (text !== undefined && text !== "") reader.write(text);
    },

    reset() {
      reader.stop();
      start();
    },

    end() {
      if (reader.stopped) return;
      const current = reader;
      const text = decode(Buffer.alloc(0), true);
      if (text !== undefined && text !== "") current.write(text);
      current.finish();
    },
  };
}
