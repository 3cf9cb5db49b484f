// A pre-read adapter for ports behind a PROXY-protocol proxy (Prosody's mod_net_proxy): it reads the
// header before anything else, then hands the connection on with the client's address, as a stream
// that first replays the bytes read past the header. Nothing else about the service changes.
import { createServer, type Server, type Socket } from "node:net";
import { Duplex } from "node:stream";
import { plainAddress, type AddressList } from "../limits/client-address.ts";
import { parseProxyHeader, V2_MAX } from "./proxy-protocol.ts";

/** How long a proxy may take to send its header. */
export const HEADER_TIMEOUT_MS = 5000;

/**
 * The connection after the header: what it reads starts right after the header, and
 * `remoteAddress` is the client the header named (the proxy's own for LOCAL and UNKNOWN). It has
 * the few socket methods Node's HTTP, TLS and WebSocket code call on a connection.
 */
export class ProxiedSocket extends Duplex {
  readonly remoteAddress: string;
  readonly remotePort: number | undefined;

  constructor(
    readonly raw: Socket,
    rest: Buffer,
    source: { address: string; port: number } | undefined,
  ) {
    super({ allowHalfOpen: false });
    this.remoteAddress = plainAddress(source?.address ?? raw.remoteAddress);
    this.remotePort = source?.port ?? raw.remotePort;
    if (rest.length > 0) this.push(rest);
    raw.on("data", (chunk: Buffer) => {
      if (!this.push(chunk)) raw.pause();
    });
    raw.on("end", () => this.push(null));
    raw.on("error", (err) => this.destroy(err));
    raw.on("close", () => this.destroy());
  }

  override _read(): void {
    this.raw.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.raw.write(chunk, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.raw.end(cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.raw.destroy();
    cb(err);
  }

  setNoDelay(noDelay?: boolean): this {
    this.raw.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable?: boolean, delayMs?: number): this {
    this.raw.setKeepAlive(enable, delayMs);
    return this;
  }

  setTimeout(ms: number, callback?: () => void): this {
    this.raw.setTimeout(ms, callback);
    return this;
  }
}

export interface ProxyListenerOptions {
  /** Peers allowed to connect: proxy_trusted_proxies. */
  readonly trusted: AddressList;
  onConnection(socket: ProxiedSocket): void;
  /** A connection dropped: an untrusted peer, or a missing, malformed or slow header. */
  onRefused(peer: string, reason: string): void;
  /** How long the header may take; HEADER_TIMEOUT_MS by default. */
  readonly headerTimeoutMs?: number;
}

/** A TCP server whose connections start with a PROXY v1 or v2 header. */
export function proxyServer(opts: ProxyListenerOptions): Server {
  return createServer({ noDelay: true, pauseOnConnect: true }, (raw) => readHeader(raw, opts));
}

function readHeader(raw: Socket, opts: ProxyListenerOptions): void {
  const peer = plainAddress(raw.remoteAddress);
  raw.on("error", () => {});
  if (!opts.trusted.has(peer)) {
    opts.onRefused(peer, "not in proxy_trusted_proxies");
    return void raw.destroy();
  }
  let buffered: Buffer = Buffer.alloc(0);
  const refuse = (reason: string) => {
    cleanup();
    opts.onRefused(peer, reason);
    raw.destroy();
  };
  const timer = setTimeout(refuse, opts.headerTimeoutMs ?? HEADER_TIMEOUT_MS, "no PROXY header in time");
  timer.unref();
  const onEnd = () => refuse("closed before the PROXY header");
  const onData = (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    const header = parseProxyHeader(buffered);
    if (header.kind === "more") {
      if (buffered.length > V2_MAX) refuse("PROXY header too long");
      return;
    }
    if (header.kind === "error") return refuse(header.text);
    cleanup();
    raw.pause();
    opts.onConnection(new ProxiedSocket(raw, buffered.subarray(header.length), header.source));
  };
  const cleanup = () => {
    clearTimeout(timer);
    raw.off("data", onData);
    raw.off("end", onEnd);
  };
  raw.on("data", onData);
  raw.on("end", onEnd);
  raw.resume();
}
