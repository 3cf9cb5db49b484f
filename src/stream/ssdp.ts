// XEP-0474 §5.1 (SASL SCRAM Downgrade Protection): the server hashes the mechanism list and the
// channel-binding types it advertised; the hash rides in server-first-message as the "h" attribute,
// so the client's proof (RFC 5802 §3 AuthMessage) signs what it was shown.
import { createHash } from "node:crypto";
import type { ScramHash } from "../auth/scram.ts";

/** What this connection was shown: the SASL mechanisms, and the XEP-0440 types if any were listed. */
export interface Advertised {
  readonly mechanisms: readonly string[];
  /** `undefined` when no <sasl-channel-binding/> was sent (then no %x1F separator either). */
  readonly channelBindings: readonly string[] | undefined;
}

/** "i;octet" ordering (RFC 4790 §9.3): plain byte order, which for ASCII names is code-unit order. */
const octetOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function ssdpInput(shown: Advertised): string {
  let s = [...shown.mechanisms].sort(octetOrder).join("\x1e");
  if (shown.channelBindings !== undefined)
    s += "\x1f" + [...shown.channelBindings].sort(octetOrder).join("\x1e");
  return s;
}

/** The base64 value of the "h" attribute, hashed with the SCRAM mechanism's own hash. */
export function ssdpHash(hash: ScramHash, shown: Advertised): string {
  return createHash(hash).update(ssdpInput(shown), "utf8").digest("base64");
}
