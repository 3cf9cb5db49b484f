// RFC 7395 §3: XMPP over WebSocket. Framing only: one text message per element, <open/> and <close/>
// instead of the stream tags, keepalives as ping frames; the session logic is the TCP one.
import { performance } from "node:perf_hooks";
import { TextDecoder } from "node:util";
import type { WebSocket } from "ws";
import { Element, serialize } from "../xml/element.ts";
import { createFramedParser, type FramedParser } from "../xml/framed-parser.ts";
import { NS_CLIENT, NS_FRAMING, NS_STREAMS } from "../xml/stream-errors.ts";
import type { StreamErrorCondition } from "../xml/stream-errors.ts";
import { NOOP_HANDLERS, type StreamTransport, type TransportHandlers } from "../stream/transport.ts";
import type { FramedWebSocket } from "./framed-websocket.ts";

export interface WebSocketTransportOptions {
  /** Encrypted (wss), or plain ws the operator declared secure (consider_websocket_secure). */
  readonly secure: boolean;
  readonly remoteAddress: string;
  readonly maxStanzaBytes: number;
  readonly maxStanzaDepth?: number;
  /** Output queued beyond this many bytes means the peer does not read: the connection is dropped. */
  readonly maxBufferedBytes?: number;
}

/** WebSocket close codes (RFC 6455 §7.4.1). */
/** RFC 6455 §7.4.1: a message too big to process. */
const WS_MESSAGE_TOO_BIG = 1009;
const WS_NORMAL = 1000;
const WS_UNSUPPORTED_DATA = 1003;
const WS_INVALID_PAYLOAD = 1007;

/** How long the WebSocket closing handshake may take before the socket is cut. */
const CLOSE_HANDSHAKE_MS = 1000;

/**
 * What the session's elements need to stand alone as a message (RFC 7395 §3.3.3): an explicit
 * namespace (the stream default, jabber:client, when none is given) and the `stream` prefix
 * declared. A copy is made: the same element may be routed to several sessions.
 */
function standalone(el: Element): Element {
  const needsNs = el.attrs.xmlns === undefined && !el.name.includes(":");
  const needsPrefix = el.name.startsWith("stream:") && el.attrs["xmlns:stream"] === undefined;
  if (!needsNs && !needsPrefix) return el;
  const attrs: Record<string, string> = { ...el.attrs };
  if (needsNs) attrs.xmlns = NS_CLIENT;
  if (needsPrefix) attrs["xmlns:stream"] = NS_STREAMS;
  return new Element(el.name, attrs, el.children);
}

export class WebSocketTransport implements StreamTransport {
  readonly kind = "websocket" as const;
  /** No STARTTLS over WebSocket: TLS is the HTTPS listener's (RFC 7395 §3.9). */
  readonly canStartTls = false;
  readonly secure: boolean;
  readonly remoteAddress: string;
  lastInputAt = performance.now();
  lastOutputAt = performance.now();
  private handlers: TransportHandlers = NOOP_HANDLERS;
  private readonly parser: FramedParser;
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  private readonly maxBuffered: number;
  /** Until an <open/> arrives (at first and after each restart) a stanza is out of place. */
  private awaitingOpen = true;
  private closed = false;
  /** Outstanding pause() calls; the WebSocket reads while there are none. */
  private pauses = 0;
  /** Told to the peer in the WebSocket close frame once the XMPP stream is closed. */
  private closeCode = WS_NORMAL;

  constructor(
    private readonly ws: FramedWebSocket,
    opts: WebSocketTransportOptions,
  ) {
    this.secure = opts.secure;
    this.remoteAddress = opts.remoteAddress;
    this.parser = createFramedParser({
      maxStanzaBytes: opts.maxStanzaBytes,
      ...(opts.maxStanzaDepth === undefined ? {} : { maxStanzaDepth: opts.maxStanzaDepth }),
    });
    this.maxBuffered = opts.maxBufferedBytes ?? 4 * opts.maxStanzaBytes + 1024 * 1024;
    ws.on("message", (data, isBinary) => this.onMessage(data, isBinary));
    ws.on("pong", () => (this.lastInputAt = performance.now()));
    ws.on("ping", () => (this.lastInputAt = performance.now()));
    ws.on("error", () => {});
    ws.on("close", () => this.finish());
    // ws refuses a frame over its maxPayload before reading it; the peer still gets the stream error.
    ws.onPayloadTooLarge = () =>
      this.fail("policy-violation", `a message exceeded ${opts.maxStanzaBytes} bytes`, WS_MESSAGE_TOO_BIG);
  }

  setHandlers(handlers: TransportHandlers): void {
    this.handlers = handlers;
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.closed) return;
    this.lastInputAt = performance.now();
    if (isBinary) {
      const text = "XMPP over WebSocket uses UTF-8 text messages only (RFC 7395 §3.2)";
      return this.fail("unsupported-encoding", text, WS_UNSUPPORTED_DATA);
    }
    let text: string;
    try {
      // ws skips UTF-8 validation so that invalid text is answered with a stream error, not a bare close.
      const bytes = Buffer.isBuffer(data)
        ? data
        : Array.isArray(data)
          ? Buffer.concat(data)
          : Buffer.from(data);
      text = this.decoder.decode(bytes);
    } catch {
      return this.fail("not-well-formed", "invalid UTF-8", WS_INVALID_PAYLOAD);
    }
    const result = this.parser.parse(text);
    switch (result.kind) {
      case "error":
        return this.fail(result.condition, result.text);
      case "open": {
        this.awaitingOpen = false;
        // The session checks a TCP-style header: the framing namespace is ours, not the stream's.
        const { xmlns: _framing, ...attrs } = result.attrs;
        return this.handlers.onStreamStart(attrs);
      }
      case "close":
        return this.handlers.onStreamEnd();
      case "stanza":
        if (this.awaitingOpen)
          return this.fail("not-well-formed", "a stream starts with <open/> (RFC 7395 §3.4)");
        return this.handlers.onElement(result.element, result.bytes);
    }
  }

  /** A framing violation: the session sends the stream error, then <close/> (RFC 7395 §3.5). */
  private fail(condition: StreamErrorCondition, text: string, closeCode = WS_NORMAL): void {
    if (this.closeCode === WS_NORMAL) this.closeCode = closeCode;
    this.handlers.onParseError(condition, text);
  }

  private write(text: string): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(text);
    this.lastOutputAt = performance.now();
    if (this.ws.bufferedAmount > this.maxBuffered) this.ws.terminate();
  }

  /** <open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from id version xml:lang/> (RFC 7395 §3.4). */
  openStream(attrs: Record<string, string>): void {
    const open = new Element("open", { xmlns: NS_FRAMING });
    for (const [k, v] of Object.entries(attrs)) {
      // The session's stream namespace declarations have no place on <open/>.
      if (k !== "xmlns" && !k.startsWith("xmlns:")) open.attrs[k] = v;
    }
    this.write(serialize(open));
  }

  send(el: Element): void {
    this.write(serialize(standalone(el)));
  }

  keepalive(): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.ping();
    this.lastOutputAt = performance.now();
  }

  closeStream(): void {
    this.write(serialize(new Element("close", { xmlns: NS_FRAMING })));
  }

  startTls(): Promise<void> {
    return Promise.reject(new Error("STARTTLS is not available over WebSocket (RFC 7395 §3.1)"));
  }

  restart(): void {
    // RFC 7395 §3.7: after SASL the client sends a new <open/> in its own message.
    this.awaitingOpen = true;
  }

  pause(): void {
    if (this.pauses++ === 0) this.ws.pause();
  }

  resume(): void {
    if (this.pauses > 0 && --this.pauses === 0) this.ws.resume();
  }

  /** The server closes the WebSocket once the XMPP stream is closed (RFC 7395 §3.6). */
  destroy(): void {
    if (this.ws.readyState === this.ws.CLOSED) return this.finish();
    this.ws.closeQuietly(this.closeCode);
    const t = setTimeout(() => this.ws.terminate(), CLOSE_HANDSHAKE_MS);
    t.unref();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers.onClose();
  }
}
