// One client login over a raw socket, the steps of RFC 6120: stream open → (STARTTLS → restart) →
// SASL PLAIN (RFC 4616) → restart → resource bind (§7) → optionally close. Hand-written XML on
// purpose: the load generator must cost little and hide nothing a client library would.
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { StepError, XmlReader } from "./xml-reader.ts";

export interface LoginTarget {
  readonly port: number;
  /** The XMPP domain (`to` of the stream, and SNI under TLS). */
  readonly domain: string;
  /** Negotiate STARTTLS before authenticating. */
  readonly starttls: boolean;
  /** Per-step deadline. */
  readonly stepTimeoutMs: number;
  /** Bind a resource (default); false stops after the restart that follows SASL (a XEP-0198 resume). */
  readonly bind?: boolean;
}

export interface Session {
  /** Milliseconds from connect to the bind result. */
  readonly latencyMs: number;
  /** The bound stream's socket (TLS when STARTTLS was used), for loads that go on after login. */
  readonly socket: Socket;
  /** Sends `</stream:stream>`, waits briefly for the server's, then closes the socket. */
  close(): Promise<void>;
  /** Closes the socket at once. */
  destroy(): void;
  /** Writes raw XML on the bound stream. */
  send(xml: string): void;
  /** Waits for the first match of `pattern` in what arrives from now on. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string>;
}

const FEATURES_END = /<\/(?:stream:)?features>|<(?:stream:)?features[^>]*\/>/;
const SASL_OUTCOME = /<success[\s/>][\s\S]*?(?:\/>|<\/success>)|<failure[\s>][\s\S]*?<\/failure>/;
const IQ_END = /<iq[^>]*\/>|<\/iq>/;
const STREAM_END = /<\/(?:stream:)?stream>/;

function streamHeader(domain: string): string {
  return (
    `<?xml version='1.0'?><stream:stream to='${domain}' version='1.0' ` +
    `xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`
  );
}

async function connected(
  socket: Socket,
  event: "connect" | "secureConnect",
  timeoutMs: number,
): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => done(new StepError("timeout", `${event} timed out`)), timeoutMs);
    const onErr = (err: Error & { code?: string }): void =>
      done(new StepError(err.code ?? "socket", err.message));
    const onOk = (): void => done();
    const done = (err?: Error): void => {
      clearTimeout(timer);
      socket.off("error", onErr);
      socket.off(event, onOk);
      if (err === undefined) resolve();
      else reject(err);
    };
    socket.once("error", onErr);
    socket.once(event, onOk);
  });
}

export async function login(
  target: LoginTarget,
  user: string,
  password: string,
  resource: string,
): Promise<Session> {
  const t0 = performance.now();
  const { domain, stepTimeoutMs: ms } = target;
  let socket: Socket = netConnect({ host: "127.0.0.1", port: target.port, noDelay: true });
  try {
    await connected(socket, "connect", ms);
    let reader = new XmlReader(socket);
    socket.write(streamHeader(domain));
    let features = await reader.waitFor(FEATURES_END, ms);

    if (target.starttls) {
      if (!features.includes("urn:ietf:params:xml:ns:xmpp-tls"))
        throw new StepError("no-starttls", "STARTTLS not offered");
      socket.write("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
      await reader.waitFor(/<proceed[^>]*>/, ms);
      // Self-signed certificates on loopback: the handshake's cost is what we measure, not trust.
      const secure = tlsConnect({ socket, servername: domain, rejectUnauthorized: false });
      socket = secure;
      await connected(secure, "secureConnect", ms);
      reader = new XmlReader(secure);
      secure.write(streamHeader(domain));
      features = await reader.waitFor(FEATURES_END, ms);
    }

    if (!/<mechanism>PLAIN<\/mechanism>/.test(features))
      throw new StepError("no-plain", "SASL PLAIN not offered");
    const payload = Buffer.from(`\0${user}\0${password}`, "utf8").toString("base64");
    socket.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${payload}</auth>`);
    const outcome = await reader.waitFor(SASL_OUTCOME, ms);
    if (!outcome.includes("<success")) {
      const condition = /<failure[^>]*>\s*<([a-z-]+)/.exec(outcome)?.[1] ?? "failure";
      throw new StepError(`sasl-${condition}`, `SASL failed: ${condition}`);
    }

    socket.write(streamHeader(domain));
    await reader.waitFor(FEATURES_END, ms);
    if (target.bind !== false) {
      socket.write(
        `<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${resource}</resource></bind></iq>`,
      );
      const iq = await reader.waitFor(IQ_END, ms);
      if (!iq.includes("<jid>")) throw new StepError("bind", "bind failed");
    }
    const latencyMs = performance.now() - t0;

    const s = socket;
    const r = reader;
    return {
      latencyMs,
      socket: s,
      async close() {
        s.write("</stream:stream>");
        try {
          await r.waitFor(STREAM_END, Math.min(ms, 2000));
        } catch {
          // a server that closes the socket without a closing tag is fine too
        }
        s.destroy();
      },
      destroy: () => s.destroy(),
      send: (xml) => void s.write(xml),
      waitFor: (pattern, timeoutMs) => r.waitFor(pattern, timeoutMs),
    };
  } catch (err) {
    socket.destroy();
    throw err;
  }
}
