// A raw XMPP client for protocol tests: it writes exactly what the test says and waits for text, so
// tests can send what no well-behaved library would (bad XML, early stanzas) and read stream errors.
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, TLSSocket } from "node:tls";
import { readFileSync } from "node:fs";

export const TEST_CA = readFileSync(new URL("../fixtures/tls/ca.crt", import.meta.url), "utf8");
export const TEST_CERT = new URL("../fixtures/tls/server.crt", import.meta.url).pathname;
export const TEST_KEY = new URL("../fixtures/tls/server.key", import.meta.url).pathname;

export class RawClient {
  received = "";
  closed = false;
  private waiters: (() => void)[] = [];

  private constructor(
    private socket: Socket,
    private readonly ca: string,
  ) {
    this.listen(socket);
  }

  /** `ca`: the certificate to trust (default: the test CA). */
  static async connect(
    port: number,
    opts: { tls?: boolean; servername?: string; ca?: string; localAddress?: string; preamble?: Buffer } = {},
  ): Promise<RawClient> {
    const ca = opts.ca ?? TEST_CA;
    const servername = opts.servername ?? "localhost";
    // tls.connect passes localAddress on to net.connect; its option type does not list it.
    const local: object = opts.localAddress === undefined ? {} : { localAddress: opts.localAddress };
    if (opts.preamble !== undefined) {
      // Bytes before everything, TLS included: a PROXY protocol header, as HAProxy writes it.
      const plain = netConnect({ port, host: "127.0.0.1", localAddress: opts.localAddress });
      await new Promise<void>((resolve, reject) => {
        plain.once("connect", resolve);
        plain.once("error", reject);
      });
      plain.write(opts.preamble);
      if (opts.tls !== true) return new RawClient(plain, ca);
      const secured = tlsConnect({ socket: plain, ca, servername });
      await new Promise<void>((resolve, reject) => {
        secured.once("secureConnect", resolve);
        secured.once("error", reject);
      });
      return new RawClient(secured, ca);
    }
    const socket =
      opts.tls === true
        ? tlsConnect({ port, host: "127.0.0.1", ca, servername, ...local })
        : netConnect({ port, host: "127.0.0.1", localAddress: opts.localAddress });
    await new Promise<void>((resolve, reject) => {
      socket.once(opts.tls === true ? "secureConnect" : "connect", resolve);
      socket.once("error", reject);
    });
    return new RawClient(socket, ca);
  }

  /** The TLS socket, for what a test computes from the connection (channel bindings). */
  get tls(): TLSSocket | undefined {
    return this.socket instanceof TLSSocket ? this.socket : undefined;
  }

  private listen(socket: Socket): void {
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      this.received += d;
      this.wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    socket.on("error", () => {});
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  open(to = "localhost"): void {
    this.write(
      `<?xml version='1.0'?><stream:stream to='${to}' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`,
    );
  }

  /** Waits until the received text (after `from`) matches; returns the match. */
  async waitFor(pattern: RegExp | string, timeoutMs = 5000, from = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hay = this.received.slice(from);
      const m =
        typeof pattern === "string" ? (hay.includes(pattern) ? pattern : null) : hay.match(pattern)?.[0];
      if (m != null) return m;
      if (this.closed) throw new Error(`closed before ${String(pattern)}; received: ${this.received}`);
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${String(pattern)}; received: ${this.received}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async waitClosed(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error(`still open; received: ${this.received}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** STARTTLS (RFC 6120 §5.4) on this connection, then a new stream header. */
  async starttls(to = "localhost"): Promise<void> {
    this.write("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    await this.waitFor("<proceed");
    this.socket.removeAllListeners("data");
    this.socket.removeAllListeners("close");
    const secured = tlsConnect({ socket: this.socket, ca: this.ca, servername: to });
    await new Promise<void>((resolve, reject) => {
      secured.once("secureConnect", resolve);
      secured.once("error", reject);
    });
    this.socket = secured;
    this.received = "";
    this.listen(secured);
    this.open(to);
    await this.waitFor("</stream:features>");
  }

  /** SASL PLAIN then restart and bind; returns the bound JID. */
  async login(user: string, password: string, to = "localhost", resource?: string): Promise<string> {
    const mark = this.received.length;
    this.write(
      `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${user}\0${password}`).toString("base64")}</auth>`,
    );
    const outcome = await this.waitFor(/<success[^>]*\/>|<failure[\s\S]*?<\/failure>/, 5000, mark);
    if (!outcome.startsWith("<success")) throw new Error(`auth failed: ${outcome}`);
    this.received = "";
    this.open(to);
    await this.waitFor("</stream:features>");
    this.write(
      `<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>${resource === undefined ? "" : `<resource>${resource}</resource>`}</bind></iq>`,
    );
    const jid = await this.waitFor(/<jid>[^<]+<\/jid>/);
    return jid.slice(5, -6);
  }

  close(): void {
    this.socket.end("</stream:stream>");
  }

  /** Stops reading, as a dead mobile link would: the server's close is never answered. */
  stall(): void {
    this.socket.pause();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
