// TLS channel bindings for SCRAM-*-PLUS (RFC 5802 §6, XEP-0440): tls-exporter (RFC 9266, TLS 1.3
// only here, since TLS 1.2 needs the extended master secret, which Node does not report) and
// tls-server-end-point (RFC 5929 §4.1: a hash of our certificate, by its signature's hash).
import { createHash } from "node:crypto";
import type { TLSSocket } from "node:tls";

export const CHANNEL_BINDING_TYPES = ["tls-exporter", "tls-server-end-point"] as const;
export type ChannelBindingType = (typeof CHANNEL_BINDING_TYPES)[number];

/** The binding data of `type` on this connection; undefined when it has none. */
export function channelBindingData(socket: TLSSocket, type: ChannelBindingType): Buffer | undefined {
  if (!socket.encrypted) return undefined;
  if (type === "tls-exporter") {
    if (socket.getProtocol() !== "TLSv1.3") return undefined;
    return socket.exportKeyingMaterial(32, "EXPORTER-Channel-Binding", Buffer.alloc(0));
  }
  const raw = (socket.getCertificate() as { raw?: Buffer } | null)?.raw;
  if (raw === undefined) return undefined;
  const hash = endPointHash(raw);
  return hash === undefined ? undefined : createHash(hash).update(raw).digest();
}

// Signature algorithm OIDs (DER content bytes) → the hash RFC 5929 §4.1 says to use: SHA-256 for
// MD5 and SHA-1, the signature's own otherwise. Others (RSASSA-PSS, EdDSA) have no defined binding.
const OIDS: ReadonlyArray<readonly [string, string]> = [
  ["2a864886f70d010104", "sha256"], // md5WithRSAEncryption
  ["2a864886f70d010105", "sha256"], // sha1WithRSAEncryption
  ["2a864886f70d01010b", "sha256"],
  ["2a864886f70d01010c", "sha384"],
  ["2a864886f70d01010d", "sha512"],
  ["2a8648ce3d0401", "sha256"], // ecdsa-with-SHA1
  ["2a8648ce3d040302", "sha256"],
  ["2a8648ce3d040303", "sha384"],
  ["2a8648ce3d040304", "sha512"],
];

/** Reads one DER element's header at `at`: its tag, where its content starts and ends. */
function tlv(der: Buffer, at: number): { tag: number; start: number; end: number } | undefined {
  const tag = der[at];
  let len = der[at + 1];
  if (tag === undefined || len === undefined) return undefined;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[start + i] ?? 0);
    start += n;
  }
  return start + len <= der.length ? { tag, start, end: start + len } : undefined;
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm SEQUENCE { OID, … }, … }. */
export function endPointHash(der: Buffer): string | undefined {
  const cert = tlv(der, 0);
  const tbs = cert && tlv(der, cert.start);
  const alg = tbs && tlv(der, tbs.end);
  const oid = alg && tlv(der, alg.start);
  if (oid === undefined || oid.tag !== 0x06) return undefined;
  const hex = der.subarray(oid.start, oid.end).toString("hex");
  return OIDS.find(([o]) => o === hex)?.[1];
}
