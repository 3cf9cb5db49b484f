// The client behind trusted proxies (Prosody's trusted_proxies): X-Forwarded-For is read from the
// right, since each proxy appends the peer it saw; the first hop that is not a trusted proxy is the
// client. A header from any other peer is the client's own word and is ignored.
import { isIP } from "node:net";
import { plainAddress, type AddressList } from "../limits/client-address.ts";

/** An X-Forwarded-For element: an IP, possibly "[v6]:port" or "v4:port" (some proxies add ports). */
function hopAddress(text: string): string | undefined {
  let t = text.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(t);
  if (bracketed !== null) t = bracketed[1] ?? "";
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(t)) t = t.slice(0, t.lastIndexOf(":"));
  return isIP(t) === 0 ? undefined : plainAddress(t);
}

export function forwardedClient(
  peer: string | undefined,
  header: string | string[] | undefined,
  trusted: AddressList,
): string {
  let client = plainAddress(peer);
  if (header === undefined || trusted.size === 0 || !trusted.has(client)) return client;
  const hops = (Array.isArray(header) ? header.join(",") : header).split(",");
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hopAddress(hops[i] ?? "");
    // Garbage ends the walk: the last trusted hop is all we can vouch for.
    if (hop === undefined) return client;
    client = hop;
    if (!trusted.has(hop)) return hop;
  }
  return client;
}
