// The PROXY protocol header, versions 1 (text) and 2 (binary), as HAProxy's send-proxy and
// send-proxy-v2 write it (haproxy.org/download/2.9/doc/proxy-protocol.txt, §2.1 and §2.2). Only the
// source address is used; TLVs are skipped. A parser over the bytes read so far: it asks for more,
// fails, or says how many bytes the header took.
import { isIPv4, isIPv6 } from "node:net";

export interface ProxySource {
  readonly address: string;
  readonly port: number;
}

export type ProxyHeader =
  | { readonly kind: "more" }
  | { readonly kind: "error"; readonly text: string }
  /** `source` is undefined for PROXY UNKNOWN and v2 LOCAL (the proxy's own health checks). */
  | { readonly kind: "header"; readonly length: number; readonly source: ProxySource | undefined };

export const V2_SIGNATURE = Buffer.from("0d0a0d0a000d0a515549540a", "hex");
const V1_PREFIX = Buffer.from("PROXY ");
/** §2.1: a v1 line is at most 107 bytes with its CRLF. */
const V1_MAX = 107;
/** v2 addresses and TLVs beyond this are not something HAProxy sends us: refused, not buffered. */
export const V2_MAX = 16 + 1024;

const more = { kind: "more" } as const;
const error = (text: string) => ({ kind: "error", text }) as const;

/** True while `buf` could still be the start of `prefix`. */
function startsLike(buf: Buffer, prefix: Buffer): boolean {
  const n = Math.min(buf.length, prefix.length);
  return buf.subarray(0, n).equals(prefix.subarray(0, n));
}

export function parseProxyHeader(buf: Buffer): ProxyHeader {
  if (buf.length === 0) return more;
  if (startsLike(buf, V2_SIGNATURE)) return buf.length < 16 ? more : parseV2(buf);
  if (startsLike(buf, V1_PREFIX)) return parseV1(buf);
  return error("no PROXY protocol header");
}

const PORT = /^(?:0|[1-9]\d{0,4})$/;

function parseV1(buf: Buffer): ProxyHeader {
  const end = buf.subarray(0, V1_MAX).indexOf("\r\n");
  if (end < 0) return buf.length >= V1_MAX ? error("PROXY v1 line too long") : more;
  const line = buf.subarray(0, end).toString("latin1");
  const parts = line.split(" ");
  if (parts[1] === "UNKNOWN") return { kind: "header", length: end + 2, source: undefined };
  if (parts.length !== 6) return error("PROXY v1 line malformed");
  const [, proto, src = "", dst = "", sport = "", dport = ""] = parts;
  const isIp = proto === "TCP4" ? isIPv4 : proto === "TCP6" ? isIPv6 : undefined;
  if (isIp === undefined) return error("PROXY v1 protocol must be TCP4, TCP6 or UNKNOWN");
  if (!isIp(src) || !isIp(dst)) return error(`PROXY v1 addresses are not ${proto}`);
  for (const p of [sport, dport])
    if (!PORT.test(p) || Number(p) > 65535) return error("PROXY v1 port malformed");
  return { kind: "header", length: end + 2, source: { address: src, port: Number(sport) } };
}

function parseV2(buf: Buffer): ProxyHeader {
  const verCmd = buf[12] ?? 0;
  if (verCmd >> 4 !== 2) return error("PROXY v2 version must be 2");
  const command = verCmd & 0x0f;
  if (command > 1) return error("PROXY v2 command must be LOCAL or PROXY");
  const family = buf[13] ?? 0;
  const length = buf.readUInt16BE(14);
  if (16 + length > V2_MAX) return error("PROXY v2 header too long");
  if (buf.length < 16 + length) return more;
  const total = 16 + length;
  // §2.2: LOCAL is the proxy speaking for itself; the address block, if any, is ignored.
  if (command === 0) return { kind: "header", length: total, source: undefined };
  const body = buf.subarray(16, total);
  switch (family) {
    case 0x11: // TCP over IPv4
      if (length < 12) return error("PROXY v2 IPv4 address block too short");
      return {
        kind: "header",
        length: total,
        source: { address: [...body.subarray(0, 4)].join("."), port: body.readUInt16BE(8) },
      };
    case 0x21: {
      // TCP over IPv6
      if (length < 36) return error("PROXY v2 IPv6 address block too short");
      const groups: string[] = [];
      for (let i = 0; i < 16; i += 2) groups.push(body.readUInt16BE(i).toString(16));
      return {
        kind: "header",
        length: total,
        source: { address: groups.join(":"), port: body.readUInt16BE(32) },
      };
    }
    case 0x00: // UNSPEC: unknown origin, like v1 UNKNOWN
      return { kind: "header", length: total, source: undefined };
    default:
      return error("PROXY v2 family must be TCP over IPv4 or IPv6");
  }
}
