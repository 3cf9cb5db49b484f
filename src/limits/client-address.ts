// Client addresses as the limits see them: one spelling per address, IPv6 grouped by its /64 (one
// customer's allocation, RFC 6177), and lists of addresses and CIDR ranges for trusted proxies and
// /metrics access, matched with Node's BlockList.
import { BlockList, isIP, isIPv4 } from "node:net";

/**
 * One spelling per address: "::ffff:192.0.2.1" (IPv4 on a dual-stack socket) is "192.0.2.1", and
 * IPv6 is in its compressed lower-case form (RFC 5952), whoever wrote it (a PROXY header, a proxy's
 * X-Forwarded-For), so logs and fail2ban see one address once.
 */
export function plainAddress(address: string | undefined): string {
  if (address === undefined || address === "") return "unknown";
  const lower = address.toLowerCase();
  if (lower.startsWith("::ffff:") && isIPv4(lower.slice(7))) return lower.slice(7);
  if (isIP(lower) !== 6 || lower.includes("%")) return lower;
  // The URL parser writes IPv6 hosts in RFC 5952 form.
  return new URL(`http://[${lower}]/`).hostname.slice(1, -1);
}

/** The eight 16-bit groups of an IPv6 literal (an embedded IPv4 tail included), or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address.split("%")[0] ?? "";
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4 !== null) {
    const b = (v4[1] ?? "").split(".").map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (s: string) => (s === "" ? [] : s.split(":").map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const zeros = 8 - left.length - right.length;
  return [...left, ...new Array<number>(Math.max(zeros, 0)).fill(0), ...right];
}

/**
 * The key a per-address limit counts under: an IPv4 address itself, an IPv6 address's /64 (one
 * host gets a whole /64, so counting single IPv6 addresses would count nothing).
 */
export function limitKey(address: string): string {
  const plain = plainAddress(address);
  const groups = ipv6Groups(plain);
  if (groups === undefined) return plain;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}

/** Checks one entry of an address list: an IP literal or a CIDR range. */
export function addressListEntryError(entry: string): string | undefined {
  const [ip = "", bits, extra] = entry.split("/");
  const family = isIP(ip);
  if (family === 0 || extra !== undefined) return `"${entry}" is not an IP address or CIDR range`;
  if (bits === undefined) return undefined;
  const n = Number(bits);
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(bits) || n > max) return `"${entry}" has a prefix length outside 0–${max}`;
  return undefined;
}

/** A fixed set of addresses and ranges ("127.0.0.1", "::1", "10.0.0.0/8", "2001:db8::/32"). */
export class AddressList {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const error = addressListEntryError(entry);
      if (error !== undefined) throw new TypeError(error);
      const [ip = "", bits] = entry.split("/");
      const family = isIP(ip) === 4 ? "ipv4" : "ipv6";
      if (bits === undefined) this.list.addAddress(ip, family);
      else this.list.addSubnet(ip, Number(bits), family);
    }
    this.size = entries.length;
  }

  has(address: string | undefined): boolean {
    const plain = plainAddress(address);
    const family = isIP(plain);
    if (family === 0) return false;
    return this.list.check(plain, family === 4 ? "ipv4" : "ipv6");
  }
}
