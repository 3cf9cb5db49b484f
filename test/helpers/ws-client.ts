// A raw XMPP over WebSocket client (RFC 7395) for protocol tests: it sends exactly the frames a test
// says (binary, invalid UTF-8, oversized…) and records every message, ping and the close.
import { WebSocket } from "ws";
import { TEST_CA } from "./raw-client.ts";

export const NS_FRAMING = "urn:ietf:params:xml:ns:xmpp-framing";

export class WsRawClient {
  readonly messages: string[] = [];
  pings = 0;
  closed: { code: number; reason: string } | undefined;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      this.messages.push(isBinary ? `<binary ${bytes.toString("hex")}>` : bytes.toString("utf8"));
      this.wake();
    });
    ws.on("ping", () => {
      this.pings++;
      this.wake();
    });
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
    ws.on("error", () => {});
  }

  /** `headers`: extra request headers (X-Forwarded-For, as a proxy would add). */
  static async connect(
    url: string,
    protocols: string[] = ["xmpp"],
    headers: Record<string, string> = {},
  ): Promise<WsRawClient> {
    const ws = new WebSocket(url, protocols, { ca: TEST_CA, headers });
    await new Promise<void>((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    return new WsRawClient(ws);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private async until(done: () => boolean, what: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; received: ${this.messages.join(" | ")}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits for a message (from index `from`) that matches; returns it. */
  async waitFor(pattern: RegExp | string, timeoutMs = 5000, from = 0): Promise<string> {
    const match = (m: string) => (typeof pattern === "string" ? m.includes(pattern) : pattern.test(m));
    let found: string | undefined;
    await this.until(
      () => {
        found = this.messages.slice(from).find(match);
        if (found === undefined && this.closed !== undefined)
          throw new Error(`closed before ${String(pattern)}; received: ${this.messages.join(" | ")}`);
        return found !== undefined;
      },
      String(pattern),
      timeoutMs,
    );
    return found ?? "";
  }

  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    await this.until(() => this.closed !== undefined, "the close", timeoutMs);
    return this.closed ?? { code: 0, reason: "" };
  }

  send(data: string | Buffer, opts: { binary?: boolean } = {}): void {
    this.ws.send(data, { binary: opts.binary ?? false });
  }

  open(to = "localhost"): void {
    this.send(`<open xmlns='${NS_FRAMING}' to='${to}' version='1.0'/>`);
  }

  /** <open/>, SASL PLAIN, a new <open/>, bind; returns the bound JID. */
  async login(user: string, password: string, resource?: string): Promise<string> {
    this.open();
    await this.waitFor("<stream:features");
    const mark = this.messages.length;
    const plain = Buffer.from(`\0${user}\0${password}`).toString("base64");
    this.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${plain}</auth>`);
    const outcome = await this.waitFor(/^<(success|failure)/, 5000, mark);
    if (!outcome.startsWith("<success")) throw new Error(`auth failed: ${outcome}`);
    const mark2 = this.messages.length;
    this.open();
    await this.waitFor("<stream:features", 5000, mark2);
    const r = resource === undefined ? "" : `<resource>${resource}</resource>`;
    this.send(`<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>${r}</bind></iq>`);
    const bound = await this.waitFor(/<jid>[^<]+<\/jid>/, 5000, mark2);
    return /<jid>([^<]+)<\/jid>/.exec(bound)?.[1] ?? "";
  }

  close(): void {
    this.ws.close();
  }

  terminate(): void {
    this.ws.terminate();
  }
}
