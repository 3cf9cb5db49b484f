// One login in a chosen authentication mode, raw XML over STARTTLS, for the auth-modes suite:
// "plain": RFC 6120 SASL PLAIN → restart → bind; "scram": SCRAM-SHA-256 (RFC 7677) → restart → bind,
// the salted password cached per salt as clients do; "fast": SASL2 (XEP-0388) with Bind2 (XEP-0386)
// and a FAST token (XEP-0484, HT-SHA-256-NONE), the token fetched once with PLAIN + <request-token/>.
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import { StepError, XmlReader } from "./xml-reader.ts";

export type AuthMode = "plain" | "scram" | "fast";

export interface ModeClient {
  readonly port: number;
  readonly domain: string;
  readonly stepTimeoutMs: number;
  readonly user: string;
  readonly password: string;
  /** This client's XEP-0388 user-agent id (FAST tokens are per client). */
  readonly agent: string;
  /** FAST: the token this client holds; SCRAM: the salted passwords it computed, per salt. */
  token?: string;
  readonly salted: Map<string, Buffer>;
}

const FEATURES_END = /<\/(?:stream:)?features>/;
const OUTCOME =
  /<success[\s/>][\s\S]*?(?:\/>|<\/success>)|<failure[\s>][\s\S]*?<\/failure>|<challenge[^>]*>[^<]*<\/challenge>/;
const STREAM_END = /<\/(?:stream:)?stream>/;
const SASL = "urn:ietf:params:xml:ns:xmpp-sasl";
const SASL2 = "urn:xmpp:sasl:2";

const header = (domain: string): string =>
  `<?xml version='1.0'?><stream:stream to='${domain}' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`;
const b64 = (s: string | Buffer): string => Buffer.from(s).toString("base64");

function failedWith(outcome: string): StepError {
  const condition = /<failure[^>]*>\s*<([a-z-]+)/.exec(outcome)?.[1] ?? "failure";
  return new StepError(`sasl-${condition}`, `SASL failed: ${condition}`);
}

async function open(c: ModeClient): Promise<{ socket: Socket; reader: XmlReader; features: string }> {
  const ms = c.stepTimeoutMs;
  const plain = netConnect({ host: "127.0.0.1", port: c.port, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    plain.once("connect", resolve);
    plain.once("error", reject);
  });
  let reader = new XmlReader(plain);
  plain.write(header(c.domain));
  await reader.waitFor(FEATURES_END, ms);
  plain.write("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  await reader.waitFor(/<proceed[^>]*>/, ms);
  const socket = tlsConnect({ socket: plain, servername: c.domain, rejectUnauthorized: false });
  await new Promise<void>((resolve, reject) => {
    socket.once("secureConnect", resolve);
    socket.once("error", reject);
  });
  reader = new XmlReader(socket);
  socket.write(header(c.domain));
  return { socket, reader, features: await reader.waitFor(FEATURES_END, ms) };
}

async function bindAfterRestart(c: ModeClient, socket: Socket, reader: XmlReader): Promise<void> {
  socket.write(header(c.domain));
  await reader.waitFor(FEATURES_END, c.stepTimeoutMs);
  socket.write(`<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>`);
  const iq = await reader.waitFor(/<\/iq>|<iq[^>]*\/>/, c.stepTimeoutMs);
  if (!iq.includes("<jid>")) throw new StepError("bind", "bind failed");
}

async function scram(c: ModeClient, socket: Socket, reader: XmlReader): Promise<void> {
  const ms = c.stepTimeoutMs;
  const bare = `n=${c.user},r=${randomBytes(12).toString("base64")}`;
  socket.write(`<auth xmlns='${SASL}' mechanism='SCRAM-SHA-256'>${b64(`n,,${bare}`)}</auth>`);
  const challenge = await reader.waitFor(OUTCOME, ms);
  if (!challenge.startsWith("<challenge")) throw failedWith(challenge);
  const serverFirst = Buffer.from(/>([^<]*)</.exec(challenge)?.[1] ?? "", "base64").toString();
  const f = Object.fromEntries(serverFirst.split(",").map((p) => [p.slice(0, 1), p.slice(2)]));
  const key = `${f.s},${f.i}`;
  let salted = c.salted.get(key);
  if (salted === undefined) {
    salted = pbkdf2Sync(c.password, Buffer.from(f.s ?? "", "base64"), Number(f.i), 32, "sha256");
    c.salted.set(key, salted);
  }
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const stored = createHash("sha256").update(clientKey).digest();
  const withoutProof = `c=biws,r=${f.r ?? ""}`;
  const signature = createHmac("sha256", stored).update(`${bare},${serverFirst},${withoutProof}`).digest();
  const proof = Buffer.from(clientKey.map((b, i) => b ^ (signature[i] ?? 0)));
  socket.write(
    `<response xmlns='${SASL}'>${b64(`${withoutProof},p=${proof.toString("base64")}`)}</response>`,
  );
  const outcome = await reader.waitFor(OUTCOME, ms);
  if (!outcome.startsWith("<success")) throw failedWith(outcome);
}

async function sasl2(c: ModeClient, socket: Socket, reader: XmlReader): Promise<void> {
  const agent = `<user-agent id='${c.agent}'/><bind xmlns='urn:xmpp:bind:0'><tag>bench</tag></bind>`;
  if (c.token === undefined) {
    socket.write(
      `<authenticate xmlns='${SASL2}' mechanism='PLAIN'><initial-response>${b64(`\0${c.user}\0${c.password}`)}</initial-response>${agent}<request-token xmlns='urn:xmpp:fast:0' mechanism='HT-SHA-256-NONE'/></authenticate>`,
    );
  } else {
    // HMAC keyed with the token's text (draft-schmaus-kitten-sasl-ht §3, no channel binding).
    const proof = createHmac("sha256", Buffer.from(c.token)).update("Initiator").digest();
    const message = Buffer.concat([Buffer.from(`${c.user}\0`), proof]);
    socket.write(
      `<authenticate xmlns='${SASL2}' mechanism='HT-SHA-256-NONE'><initial-response>${b64(message)}</initial-response>${agent}<fast xmlns='urn:xmpp:fast:0'/></authenticate>`,
    );
  }
  const outcome = await reader.waitFor(OUTCOME, c.stepTimeoutMs);
  if (!outcome.startsWith("<success")) {
    c.token = undefined; // XEP-0484 §6: a refused token is dropped; the next login gets a new one
    throw failedWith(outcome);
  }
  const token = /<token [^>]*token="([^"]+)"/.exec(outcome)?.[1];
  if (token !== undefined) c.token = token;
  await reader.waitFor(FEATURES_END, c.stepTimeoutMs);
}

/** One login and a clean close; resolves with the milliseconds from connect to a bound session. */
export async function loginWith(mode: AuthMode, c: ModeClient): Promise<number> {
  const t0 = performance.now();
  const { socket, reader } = await open(c);
  try {
    if (mode === "plain") {
      socket.write(`<auth xmlns='${SASL}' mechanism='PLAIN'>${b64(`\0${c.user}\0${c.password}`)}</auth>`);
      const outcome = await reader.waitFor(OUTCOME, c.stepTimeoutMs);
      if (!outcome.startsWith("<success")) throw failedWith(outcome);
      await bindAfterRestart(c, socket, reader);
    } else if (mode === "scram") {
      await scram(c, socket, reader);
      await bindAfterRestart(c, socket, reader);
    } else {
      await sasl2(c, socket, reader);
    }
    const ms = performance.now() - t0;
    socket.write("</stream:stream>");
    await reader.waitFor(STREAM_END, 2000).catch(() => undefined);
    return ms;
  } finally {
    socket.destroy();
  }
}
