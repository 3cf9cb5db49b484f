// Who may read /metrics: client addresses in openmetrics_allow_ips / openmetrics_allow_cidr (Prosody's
// mod_http_openmetrics options), or a request with the configured bearer token (RFC 6750 §2.1),
// compared in constant time. The metrics name hosts and load: by default, this machine only.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { AddressList } from "../limits/client-address.ts";

export type MetricsVerdict = "allow" | "unauthorized" | "hidden";

export interface MetricsAccessOptions {
  readonly openmetrics_allow_ips: readonly string[];
  readonly openmetrics_allow_cidr: string | undefined;
  readonly openmetrics_token: string | undefined;
}

export type MetricsAccess = (req: IncomingMessage, client: string) => MetricsVerdict;

const digest = (s: string) => createHash("sha256").update(s).digest();

export function createMetricsAccess(opts: MetricsAccessOptions): MetricsAccess {
  const allowed = new AddressList([
    ...opts.openmetrics_allow_ips,
    ...(opts.openmetrics_allow_cidr === undefined ? [] : [opts.openmetrics_allow_cidr]),
  ]);
  // Hashes of equal length, so the comparison takes the same time whatever was sent.
  const expected = opts.openmetrics_token === undefined ? undefined : digest(opts.openmetrics_token);
  return (req, client) => {
    if (allowed.has(client)) return "allow";
    if (expected === undefined) return "hidden";
    const m = /^Bearer ([^\s]+)$/.exec(req.headers.authorization ?? "");
    return m !== null && timingSafeEqual(digest(m[1] ?? ""), expected) ? "allow" : "unauthorized";
  };
}
