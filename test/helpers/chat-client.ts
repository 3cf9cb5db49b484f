// A logged-in @xmpp/client for chat tests that records every stanza it receives, so a test can wait
// for the one it expects (or check that one never came).
import { client, xml, type Client, type XmlElement } from "@xmpp/client";

export { xml };
export type { XmlElement };

export class ChatClient {
  readonly received: XmlElement[] = [];
  private waiters: (() => void)[] = [];

  private constructor(
    readonly xmpp: Client,
    readonly jid: string,
  ) {
    xmpp.on("stanza", (s: XmlElement) => {
      this.received.push(s);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Logs in over STARTTLS (the server requires encryption). */
  static async login(
    port: number,
    username: string,
    password: string,
    resource?: string,
  ): Promise<ChatClient> {
    const xmpp = client({
      service: `xmpp://127.0.0.1:${port}`,
      domain: "localhost",
      username,
      password,
      ...(resource === undefined ? {} : { resource }),
    });
    xmpp.on("error", () => {});
    // Registered before start() so nothing sent right after binding is missed.
    const pending: XmlElement[] = [];
    const early = (s: XmlElement) => pending.push(s);
    xmpp.on("stanza", early);
    await xmpp.start();
    const c = new ChatClient(xmpp, String(xmpp.jid));
    xmpp.removeListener("stanza", early);
    c.received.push(...pending);
    return c;
  }

  /** Logs `username` in (password "<username>-pw") and sends initial presence; resolves once its
   *  own presence came back (RFC 6121 §4.2.2), so the server holds the session available. */
  static async online(port: number, username: string, resource?: string): Promise<ChatClient> {
    const c = await ChatClient.login(port, username, `${username}-pw`, resource);
    await c.send(xml("presence"));
    await c.waitFor(isPresence(c.jid), "own presence echoed");
    return c;
  }

  get bare(): string {
    return this.jid.split("/")[0] ?? "";
  }

  send(...stanzas: XmlElement[]): Promise<void> {
    return this.xmpp.send(...stanzas);
  }

  /** Waits for a received stanza (from index `from` on) that matches; returns it. */
  async waitFor(
    match: (s: XmlElement) => boolean,
    what: string,
    timeoutMs = 3000,
    from = 0,
  ): Promise<XmlElement> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.received.slice(from).find(match);
      if (hit !== undefined) return hit;
      if (Date.now() > deadline)
        throw new Error(
          `${this.jid}: timed out waiting for ${what}; got:\n${this.received.map(String).join("\n")}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Nothing matching arrives within `ms`. */
  async assertNone(match: (s: XmlElement) => boolean, what: string, ms = 300, from = 0): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    const hit = this.received.slice(from).find(match);
    if (hit !== undefined) throw new Error(`${this.jid}: unexpected ${what}: ${String(hit)}`);
  }

  /** Sends an IQ and returns the reply, result or error (no rejection on error). */
  async iq(stanza: XmlElement, timeoutMs = 3000): Promise<XmlElement> {
    const id = `t${Math.random().toString(36).slice(2)}`;
    stanza.attrs.id = id;
    const mark = this.received.length;
    await this.send(stanza);
    return this.waitFor(
      (s) => s.name === "iq" && s.attrs.id === id && (s.attrs.type === "result" || s.attrs.type === "error"),
      `reply to iq ${id}`,
      timeoutMs,
      mark,
    );
  }

  /**
   * Destroys the TCP/TLS socket without a closing handshake (a dead peer, as the server sees it),
   * and does not reconnect. @xmpp/client enables XEP-0198 resumption: the server keeps the session
   * (hibernating) for its smacks_hibernation_time before it ends.
   */
  drop(): void {
    this.xmpp.reconnect.stop();
    type Wrapped = { destroy?: () => void; socket?: Wrapped };
    let s = (this.xmpp as unknown as { socket?: Wrapped }).socket;
    while (s !== undefined && typeof s.destroy !== "function") s = s.socket;
    if (s?.destroy === undefined) throw new Error("no socket to destroy");
    s.destroy();
  }

  async stop(): Promise<void> {
    await this.xmpp.stop().catch(() => {});
  }
}

/** The stanza error condition of an error reply, e.g. "service-unavailable". */
export function condition(s: XmlElement): string | undefined {
  const err = s.getChild("error");
  const c = err?.children.find(
    (x): x is XmlElement => typeof x !== "string" && x.attrs.xmlns === "urn:ietf:params:xml:ns:xmpp-stanzas",
  );
  return c?.name;
}

export const isPresence = (from: string, type?: string) => (s: XmlElement) =>
  s.name === "presence" && s.attrs.from === from && s.attrs.type === type;

export const rosterItem = (s: XmlElement, jid: string): XmlElement | undefined =>
  s
    .getChild("query", "jabber:iq:roster")
    ?.getChildren("item")
    .find((i) => i.attrs.jid === jid);
