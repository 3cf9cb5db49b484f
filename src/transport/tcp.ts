// RFC 6120 over TCP: STARTTLS (§5) on c2s ports and TLS from the first byte (XEP-0368) on direct TLS
// ports. Framing only: bytes in → parser → session; elements out → bytes.
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { TLSSocket, type SecureContext } from "node:tls";
import { channelBindingData, type ChannelBindingType } from "../tls/channel-binding.ts";
import type { Element } from "../xml/element.ts";
import { serialize, serializeAttrs } from "../xml/element.ts";
import { StreamParser, type StreamParserOptions, type StreamStart } from "../xml/stream-parser.ts";
import type { StreamErrorInfo } from "../xml/stream-errors.ts";
import { plainAddress } from "../limits/client-address.ts";
import { NOOP_HANDLERS, type StreamTransport, type TransportHandlers } from "../stream/transport.ts";

export interface TcpTransportOptions {
  readonly kind: "tcp" | "tls";
  readonly secureContext: SecureContext;
  /** Picks a host's certificate by the client's SNI name during STARTTLS (RFC 6066 §3). */
  readonly sni?: (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void;
  readonly maxStanzaBytes: number;
  readonly maxStanzaDepth?: number;
  /** Output queued beyond this many bytes means the peer does not read: the connection is dropped. */
  readonly maxBufferedBytes?: number;
  /** Idle time before the kernel probes a silent peer (TCP keepalive), so a dead one is found. */
  readonly tcpKeepAliveMs?: number;
  /** The client's address when the socket's peer is not the client (a PROXY-protocol proxy). */
  readonly remoteAddress?: string;
}

export class TcpTransport implements StreamTransport {
  readonly kind: "tcp" | "tls";
  readonly remoteAddress: string;
  lastInputAt = performance.now();
  lastOutputAt = performance.now();
  private socket: Socket;
  private handlers: TransportHandlers = NOOP_HANDLERS;
  private parser: StreamParser;
  /** Bumped on every restart so callbacks of a replaced parser are ignored. */
  private generation = 0;
  private upgrading = false;
  /** Decrypted data read before the handshake was reported done, replayed to the new parser. */
  private early: Buffer[] | undefined;
  private closed = false;
  private corked = false;
  /** Outstanding pause() calls; the socket reads while there are none. */
  private pauses = 0;
  private readonly maxBuffered: number;

  constructor(
    socket: Socket,
    private readonly opts: TcpTransportOptions,
  ) {
    this.kind = opts.kind;
    this.socket = socket;
    this.remoteAddress = opts.remoteAddress ?? plainAddress(socket.remoteAddress);
    this.maxBuffered = opts.maxBufferedBytes ?? 4 * opts.maxStanzaBytes + 1024 * 1024;
    this.parser = this.newParser();
    this.attach(socket);
    // Set on the connection itself, it survives the STARTTLS upgrade (same handle).
    socket.setKeepAlive(true, opts.tcpKeepAliveMs ?? 60_000);
  }

  get secure(): boolean {
    return this.socket instanceof TLSSocket && this.socket.encrypted;
  }

  channelBinding(type: ChannelBindingType): Buffer | undefined {
    return this.socket instanceof TLSSocket ? channelBindingData(this.socket, type) : undefined;
  }

  get canStartTls(): boolean {
    return !this.secure && !this.upgrading;
  }

  setHandlers(handlers: TransportHandlers): void {
    this.handlers = handlers;
  }

  private newParser(): StreamParser {
    const { maxStanzaBytes, maxStanzaDepth } = this.opts;
    return new StreamParser(new ParserEvents(this, ++this.generation, maxStanzaBytes, maxStanzaDepth));
  }

  /** @internal The session's handlers while parser generation `gen` is the live one. */
  handlersFor(gen: number): TransportHandlers | undefined {
    return gen === this.generation && !this.upgrading ? this.handlers : undefined;
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.closed) return;
    if (this.upgrading) {
      // Only the TLS socket is attached while upgrading: this is the client's first encrypted data,
      // which can come before the "secure" event when TLS runs over a JS stream (a PROXY port).
      (this.early ??= []).push(chunk);
      return;
    }
    this.lastInputAt = performance.now();
    this.parser.write(chunk);
  };

  private readonly onEnd = (): void => this.destroy();
  private readonly onError = (): void => this.destroy();
  private readonly onSocketClose = (): void => {
    if (this.upgrading) return;
    this.finish();
  };

  private attach(socket: Socket): void {
    socket.setNoDelay(true);
    socket.on("data", this.onData);
    socket.on("end", this.onEnd);
    socket.on("error", this.onError);
    socket.on("close", this.onSocketClose);
  }

  private detach(socket: Socket): void {
    socket.off("data", this.onData);
    socket.off("end", this.onEnd);
    socket.off("error", this.onError);
    socket.off("close", this.onSocketClose);
  }

  private write(text: string): void {
    if (this.closed || this.socket.destroyed) return;
    // What one event produces (our header and the features, say) leaves in one segment and one
    // system call: the socket is corked until the end of the tick.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(flushTransport, this);
    }
    this.socket.write(text);
    this.lastOutputAt = performance.now();
    if (this.socket.writableLength > this.maxBuffered) this.destroy();
  }

  /** Sends what was written in this tick now. */
  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }

  openStream(attrs: Record<string, string>): void {
    this.write(`<?xml version='1.0'?><stream:stream${serializeAttrs(attrs)}>`);
  }

  send(el: Element): void {
    this.write(serialize(el));
  }

  /** One space between stanzas: never inside an element, and never while TLS is negotiated. */
  keepalive(): void {
    if (!this.upgrading) this.write(" ");
  }

  closeStream(): void {
    this.write("</stream:stream>");
  }

  async startTls(): Promise<void> {
    // Whatever the peer sent after <starttls/> in clear text is dropped (no command injection).
    this.upgrading = true;
    // <proceed/> must be on the wire before the handshake takes over the connection.
    this.flush();
    const plain = this.socket;
    this.detach(plain);
    const secured = new TLSSocket(plain, {
      isServer: true,
      secureContext: this.opts.secureContext,
      ...(this.opts.sni === undefined ? {} : { SNICallback: this.opts.sni }),
    });
    this.socket = secured;
    this.attach(secured);
    if (this.pauses > 0) secured.pause();
    await new Promise<void>((resolve, reject) => {
      secured.once("secure", resolve);
      secured.once("error", reject);
      secured.once("close", () => reject(new Error("closed during the TLS handshake")));
    });
    this.upgrading = false;
    this.parser = this.newParser();
    const early = this.early ?? [];
    this.early = undefined;
    for (const chunk of early) this.onData(chunk);
  }

  restart(): void {
    this.parser = this.newParser();
  }

  pause(): void {
    if (this.pauses++ === 0) this.socket.pause();
  }

  resume(): void {
    if (this.pauses > 0 && --this.pauses === 0) this.socket.resume();
  }

  destroy(): void {
    if (this.socket.destroyed) return this.finish();
    this.upgrading = false;
    // Already ending (ours, then the peer's FIN): a second end() only makes Node build an error
    // with a stack trace, on every login, for nobody. The deadline is set either way.
    if (!this.socket.writableEnded) this.socket.end();
    const t = setTimeout(() => this.socket.destroy(), 1000);
    t.unref();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.generation++;
    this.handlers.onClose();
  }
}

function flushTransport(transport: TcpTransport): void {
  transport.flush();
}

/** What one parser reports, passed on while its generation is the transport's current one. */
class ParserEvents implements StreamParserOptions {
  constructor(
    private readonly transport: TcpTransport,
    private readonly gen: number,
    readonly maxStanzaBytes: number,
    readonly maxStanzaDepth: number | undefined,
  ) {}

  onStreamStart(root: StreamStart): void {
    this.transport.handlersFor(this.gen)?.onStreamStart(root.attrs);
  }

  onStanza(el: Element, bytes: number): void {
    this.transport.handlersFor(this.gen)?.onElement(el, bytes);
  }

  onStreamEnd(): void {
    this.transport.handlersFor(this.gen)?.onStreamEnd();
  }

  onError(err: StreamErrorInfo): void {
    this.transport.handlersFor(this.gen)?.onParseError(err.condition, err.text);
  }
}
