// Slot ids and PUT secrets (XEP-0363 §4 leaves their form to the service): 128 random bits each,
// base64url. The id names the file in the URLs; the secret goes only to the requester, in the PUT's
// Authorization header, and is kept as a SHA-256 hash, compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export function newSlotId(): string {
  return randomBytes(16).toString("base64url");
}

export function newPutSecret(): string {
  return randomBytes(24).toString("base64url");
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** A well-formed slot id: what newSlotId makes (22 base64url characters). */
export function isSlotId(s: string): boolean {
  return /^[A-Za-z0-9_-]{22}$/.test(s);
}

/** True when `header` is "Bearer <secret>" for the secret whose hash is `hash`. */
export function authorizes(header: string | undefined, hash: string): boolean {
  const m = /^Bearer ([A-Za-z0-9_-]{1,128})$/.exec(header ?? "");
  if (m === null) return false;
  const given = Buffer.from(hashSecret(m[1] ?? ""), "hex");
  const kept = Buffer.from(hash, "hex");
  return given.length === kept.length && timingSafeEqual(given, kept);
}
