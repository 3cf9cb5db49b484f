// The HT-* mechanisms' computations (draft-schmaus-kitten-sasl-ht §3, as XEP-0484 uses them):
// the initiator sends "authcid NUL HMAC(token, 'Initiator' || cb-data)" and the responder answers
// with HMAC(token, 'Responder' || cb-data). Only SHA-256 is offered here.
import { createHash, createHmac, randomBytes } from "node:crypto";
import type { ChannelBindingType } from "../tls/channel-binding.ts";

/** The channel binding each HT-SHA-256-* suffix names (draft §4); UNIQ (tls-unique) is TLS 1.2 only. */
export const HT_MECHANISMS: ReadonlyArray<{
  readonly name: string;
  readonly binding: ChannelBindingType | undefined;
}> = [
  { name: "HT-SHA-256-EXPR", binding: "tls-exporter" },
  { name: "HT-SHA-256-ENDP", binding: "tls-server-end-point" },
  { name: "HT-SHA-256-NONE", binding: undefined },
];

/**
 * A new token's text. HMAC (RFC 2104 §2) first hashes a key longer than the hash's block (64 bytes
 * for SHA-256), so with 80 characters HMAC(token, m) = HMAC(SHA-256(token), m): the server can
 * verify with the hash it keeps, never the token.
 */
export function newToken(): string {
  return randomBytes(60).toString("base64url");
}

/** The key the server keeps: SHA-256 of the token's UTF-8 text. */
export function tokenKey(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

export function initiatorProof(key: Buffer, cbData: Buffer): Buffer {
  return createHmac("sha256", key).update("Initiator").update(cbData).digest();
}

export function responderProof(key: Buffer, cbData: Buffer): Buffer {
  return createHmac("sha256", key).update("Responder").update(cbData).digest();
}

/** Splits the initiator message at its first NUL: the authcid (UTF-8) and the proof bytes. */
export function parseInitiator(message: Buffer): { user: string; proof: Buffer } | undefined {
  const nul = message.indexOf(0);
  if (nul <= 0) return undefined;
  let user: string;
  try {
    user = new TextDecoder("utf-8", { fatal: true }).decode(message.subarray(0, nul));
  } catch {
    return undefined;
  }
  return { user, proof: message.subarray(nul + 1) };
}
