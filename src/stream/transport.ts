// What a session needs from a transport. Transports (TCP, direct TLS, WebSocket) only adapt framing
// (RFC 6120 §4 stream headers vs RFC 7395 <open/>/<close/>); the session logic exists once.
import type { Element } from "../xml/element.ts";
import type { StreamErrorCondition } from "../xml/stream-errors.ts";
import type { ChannelBindingType } from "../tls/channel-binding.ts";

export interface TransportHandlers {
  onStreamStart(attrs: Record<string, string>): void;
  /** A complete element and about how many bytes of input it took (for flow control). */
  onElement(el: Element, bytes: number): void;
  onStreamEnd(): void;
  /** The peer sent something the parser refuses; the session answers with a stream error. */
  onParseError(condition: StreamErrorCondition, text: string): void;
  /** The connection is gone (closed by either side or failed). Called once. */
  onClose(): void;
}

/** What a transport calls before a session has installed its handlers (and after it is gone). */
export const NOOP_HANDLERS: TransportHandlers = Object.freeze({
  onStreamStart: () => {},
  onElement: () => {},
  onStreamEnd: () => {},
  onParseError: () => {},
  onClose: () => {},
});

export interface StreamTransport {
  readonly kind: "tcp" | "tls" | "websocket";
  /** Encrypted now (TLS, or a WebSocket the operator declared secure). */
  readonly secure: boolean;
  /** STARTTLS can be negotiated on this connection now. */
  readonly canStartTls: boolean;
  readonly remoteAddress: string;
  /** When the peer last sent anything, keepalive answers included (`performance.now()` ms). */
  readonly lastInputAt: number;
  /** When we last sent anything (`performance.now()` ms). */
  readonly lastOutputAt: number;
  /** TLS channel binding data (RFC 5929, RFC 9266); absent or undefined where there is none. */
  channelBinding?(type: ChannelBindingType): Buffer | undefined;
  setHandlers(handlers: TransportHandlers): void;
  /** Sends our stream header (or <open/>) with these attributes. */
  openStream(attrs: Record<string, string>): void;
  send(el: Element): void;
  /** Shows the peer the stream is alive without a stanza: a space on TCP (RFC 6120 §4.6.1), a
   * WebSocket ping frame (RFC 7395 §3.8: whitespace is not a complete element). */
  keepalive(): void;
  /** Sends the closing tag (or <close/>); the connection stays until the peer closes or destroy(). */
  closeStream(): void;
  /** Upgrades to TLS after <proceed/> was sent; input after <starttls/> is discarded (no injection). */
  startTls(): Promise<void>;
  /** A stream restart (RFC 6120 §4.3.3): the next input is a new stream header. */
  restart(): void;
  /**
   * Stops or resumes reading input (while an element is processed asynchronously, or while too much
   * is queued). Counted: reading resumes when every pause() has had its resume().
   */
  pause(): void;
  resume(): void;
  destroy(): void;
}
