// A SCRAM client over raw XML (RFC 5802 §3 client side), so tests can see every step a library
// would hide: the challenge an unknown user gets, the server signature, a tampered proof, and
// channel binding computed on the client's side of the TLS connection (RFC 9266, RFC 5929).
import { createHash, timingSafeEqual } from "node:crypto";
import { endPointHash } from "../../src/tls/channel-binding.ts";
import { hmac, keysFromSalted, saltedPassword, type ScramHash } from "../../src/auth/scram.ts";
import type { RawClient } from "./raw-client.ts";

const NS = "urn:ietf:params:xml:ns:xmpp-sasl";
const MECHANISM: Readonly<Record<ScramHash, string>> = { sha1: "SCRAM-SHA-1", sha256: "SCRAM-SHA-256" };

export interface ScramOutcome {
  /** The server-first message, when the server sent one. */
  readonly serverFirst?: string;
  /** `<success/>`'s element or the `<failure/>`'s condition. */
  readonly result: string;
  /** Whether the server's signature in <success/> checked out (undefined: no success). */
  readonly serverVerified?: boolean;
}

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s: string): string => Buffer.from(s, "base64").toString("utf8");
const END =
  /<success[^>]*\/>|<success[^>]*>[^<]*<\/success>|<failure[\s\S]*?<\/failure>|<challenge[^>]*>[^<]*<\/challenge>/;

export async function scramLogin(
  c: RawClient,
  hash: ScramHash,
  user: string,
  password: string,
  options: {
    tamper?: boolean;
    /** Bind to this channel (a -PLUS mechanism), with this data, or send a flag of our own. */
    binding?: { type: string; data: Buffer };
    flag?: "n" | "y";
    /**
     * The <stream:features/> text this client was shown: XEP-0474 §5.2, the server's "h" must be the
     * hash of its mechanisms and channel-binding types, else the client gives up ("ssdp-mismatch").
     */
    features?: string;
  } = {},
): Promise<ScramOutcome> {
  const clientFirstBare = `n=${user},r=clientnonce${Date.now()}`;
  const gs2 = options.binding === undefined ? `${options.flag ?? "n"},,` : `p=${options.binding.type},,`;
  const cbind = Buffer.concat([Buffer.from(gs2), options.binding?.data ?? Buffer.alloc(0)]).toString(
    "base64",
  );
  const name = MECHANISM[hash] + (options.binding === undefined ? "" : "-PLUS");
  let mark = c.received.length;
  c.write(`<auth xmlns='${NS}' mechanism='${name}'>${b64(`${gs2}${clientFirstBare}`)}</auth>`);
  const first = await c.waitFor(END, 10_000, mark);
  if (!first.startsWith("<challenge")) return { result: condition(first) };
  const serverFirst = unb64(/>([^<]*)</.exec(first)?.[1] ?? "");
  const fields = Object.fromEntries(serverFirst.split(",").map((f) => [f.slice(0, 1), f.slice(2)]));
  if (options.features !== undefined && fields.h !== ssdpOf(hash, options.features))
    return { serverFirst, result: "ssdp-mismatch" };
  const salt = Buffer.from(fields.s ?? "", "base64");
  const salted = saltedPassword(hash, password, salt, Number(fields.i));
  const keys = keysFromSalted(hash, salt, salted);
  const withoutProof = `c=${cbind},r=${fields.r ?? ""}`;
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const clientKey = hmac(hash, salted, "Client Key");
  const signature = hmac(hash, keys.storedKey, authMessage);
  const proof = Buffer.from(clientKey.map((b, i) => b ^ (signature[i] ?? 0)));
  if (options.tamper === true) proof[0] = (proof[0] ?? 0) ^ 1;
  mark = c.received.length;
  c.write(`<response xmlns='${NS}'>${b64(`${withoutProof},p=${proof.toString("base64")}`)}</response>`);
  const final = await c.waitFor(END, 10_000, mark);
  if (!final.startsWith("<success")) return { serverFirst, result: condition(final) };
  const v = unb64(/>([^<]*)</.exec(final)?.[1] ?? "");
  const expected = `v=${hmac(hash, keys.serverKey, authMessage).toString("base64")}`;
  const serverVerified =
    v.length === expected.length && timingSafeEqual(Buffer.from(v), Buffer.from(expected));
  return { serverFirst, result: "success", serverVerified };
}

/** XEP-0474 §5.1 computed on the client's side, from the features text as received. */
export function ssdpOf(hash: ScramHash, features: string): string {
  const list = /<mechanisms[^>]*>([\s\S]*?)<\/mechanisms>/.exec(features)?.[1] ?? "";
  const names = [...list.matchAll(/<mechanism>([^<]+)<\/mechanism>/g)].map((m) => m[1] ?? "").sort();
  let s = names.join("\x1e");
  const cb = /<sasl-channel-binding[^>]*>([\s\S]*?)<\/sasl-channel-binding>/.exec(features)?.[1];
  if (cb !== undefined)
    s +=
      "\x1f" +
      [...cb.matchAll(/type="([^"]+)"/g)]
        .map((m) => m[1] ?? "")
        .sort()
        .join("\x1e");
  return createHash(hash).update(s).digest("base64");
}

function condition(xml: string): string {
  return /<failure[^>]*><([a-z-]+)/.exec(xml)?.[1] ?? xml;
}

/** tls-exporter (RFC 9266 §2) and tls-server-end-point (RFC 5929 §4.1) from the client's side. */
export function clientBinding(c: RawClient, type: "tls-exporter" | "tls-server-end-point"): Buffer {
  const tls = c.tls;
  if (tls === undefined) throw new Error("not a TLS connection");
  if (type === "tls-exporter")
    return tls.exportKeyingMaterial(32, "EXPORTER-Channel-Binding", Buffer.alloc(0));
  const raw = tls.getPeerCertificate().raw;
  return createHash(endPointHash(raw) ?? "none")
    .update(raw)
    .digest();
}
