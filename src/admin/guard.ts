// Who may use the admin API. No cookies, so there is no session for another site to ride: every API
// call must carry the X-Admin-Token header, which a cross-site page cannot add without a CORS
// preflight this server never approves. With a token configured the header must match it; without
// one the listener is loopback-only and the Host header must name loopback too (no DNS rebinding).
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { AdminConfig } from "./config.ts";

export const TOKEN_HEADER = "x-admin-token";

export type GuardResult =
  { readonly ok: true } | { readonly ok: false; readonly status: 401 | 403; readonly why: string };

const digest = (s: string) => createHash("sha256").update(s).digest();

function loopbackPeer(req: IncomingMessage): boolean {
  const a = req.socket.remoteAddress ?? "";
  return a === "::1" || a.startsWith("127.") || a.startsWith("::ffff:127.");
}

function loopbackHost(req: IncomingMessage): boolean {
  const host = req.headers.host ?? "";
  let name: string;
  try {
    name = new URL(`http://${host}`).hostname;
  } catch {
    return false;
  }
  return name === "localhost" || name === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(name);
}

/** Static files: anyone who may reach the listener (they hold no secrets). */
export function mayReachPage(config: AdminConfig, req: IncomingMessage): GuardResult {
  if (config.token === undefined && (!loopbackPeer(req) || !loopbackHost(req)))
    return { ok: false, status: 403, why: "the admin page answers on loopback only" };
  return { ok: true };
}

/** The JSON API: the page's token header on top. */
export function mayUseApi(config: AdminConfig, req: IncomingMessage): GuardResult {
  const reach = mayReachPage(config, req);
  if (!reach.ok) return reach;
  const sent = req.headers[TOKEN_HEADER];
  if (typeof sent !== "string" || sent === "")
    return { ok: false, status: 401, why: `the ${TOKEN_HEADER} header is required` };
  if (config.token !== undefined && !timingSafeEqual(digest(sent), digest(config.token)))
    return { ok: false, status: 401, why: "wrong admin token" };
  return { ok: true };
}
