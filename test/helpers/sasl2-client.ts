// SASL2 (XEP-0388) and FAST's HT mechanisms from the client side, on a raw connection, for tests.
// Written from the specifications, not from the server's code, so a test can catch a server that
// misreads them.
import { createHmac } from "node:crypto";
import type { RawClient } from "./raw-client.ts";

export const NS_SASL2 = "urn:xmpp:sasl:2";

/** The end of a SASL2 exchange: <success/> or <failure/> (XEP-0388 §2.6, §2.7). */
export const SASL2_OUTCOME = /<(success|failure)[\s\S]*?<\/(success|failure)>/;

const b64 = (s: string | Buffer): string => Buffer.from(s).toString("base64");

/** A PLAIN (RFC 4616) <initial-response/>. */
export const plainResponse = (user: string, password: string): string =>
  `<initial-response>${b64(`\0${user}\0${password}`)}</initial-response>`;

/** Sends one <authenticate/> holding `inner`; resolves with the server's <success/> or <failure/>. */
export function authenticate(
  c: RawClient,
  inner: string,
  mechanism = "PLAIN",
  timeoutMs = 10_000,
): Promise<string> {
  const mark = c.received.length;
  c.write(`<authenticate xmlns='${NS_SASL2}' mechanism='${mechanism}'>${inner}</authenticate>`);
  return c.waitFor(SASL2_OUTCOME, timeoutMs, mark);
}

/**
 * draft-schmaus-kitten-sasl-ht §3: the proof for `label`, keyed with the token's text as a client
 * does; `cb` is the channel binding data (none for HT-*-NONE).
 */
export const htProof = (
  token: string,
  label: "Initiator" | "Responder",
  cb: Buffer = Buffer.alloc(0),
): Buffer => createHmac("sha256", Buffer.from(token)).update(label).update(cb).digest();
