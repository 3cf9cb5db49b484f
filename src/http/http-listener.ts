// The HTTP and HTTPS listeners (RFC 9110): the XMPP WebSocket endpoint (RFC 7395) at /xmpp-websocket,
// a health check at /healthz, components' endpoints under their prefixes (src/components/), and 404
// for everything else. Nothing is served from disk.
import {
  createServer as createPlainServer,
  type IncomingMessage,
  type ServerResponse,
  type Server,
} from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { Duplex } from "node:stream";
import type { SniCallback } from "../transport/listeners.ts";
import { refuseUpgrade, WEBSOCKET_PATH, type WebSocketEndpoint } from "./websocket-endpoint.ts";
import { AddressList } from "../limits/client-address.ts";
import { forwardedClient } from "./forwarded-for.ts";
import { createMetricsAccess, type MetricsAccess } from "./metrics-access.ts";
import type { ComponentHttp } from "../components/component.ts";

export const HEALTH_PATH = "/healthz";
export const METRICS_PATH = "/metrics";

/** What the listener serves besides WebSocket; `metrics` renders the Prometheus text format. */
export interface HttpExtras {
  readonly metrics?: () => string | Promise<string>;
  /** Who may read /metrics; by default loopback clients only. */
  readonly metricsAccess?: MetricsAccess;
  /** Peers whose X-Forwarded-For names the client (trusted_proxies); by default none. */
  readonly trustedProxies?: AddressList;
  /** /healthz: `ok: false` answers 503; the text says why (e.g. "degraded: …"). Default: 200 "ok". */
  readonly health?: () => { ok: boolean; text: string };
  /** Components' endpoints (src/components/), each under its own path prefix. */
  readonly components?: readonly ComponentHttp[];
}

const LOOPBACK_ONLY = createMetricsAccess({
  openmetrics_allow_ips: ["127.0.0.0/8", "::1"],
  openmetrics_allow_cidr: undefined,
  openmetrics_token: undefined,
});
const NO_PROXIES = new AddressList([]);

/** The client's address: the peer's, or the one trusted proxies forwarded. */
export function clientAddress(req: IncomingMessage, extras: HttpExtras): string {
  return forwardedClient(
    req.socket.remoteAddress,
    req.headers["x-forwarded-for"],
    extras.trustedProxies ?? NO_PROXIES,
  );
}

function pathOf(req: IncomingMessage): string | undefined {
  try {
    return new URL(req.url ?? "/", "http://localhost").pathname;
  } catch {
    return undefined;
  }
}

function reply(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  const body = `${text}\n`;
  res.writeHead(status, {
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    ...headers,
  });
  res.end(res.req.method === "HEAD" ? undefined : body);
}

function onRequest(req: IncomingMessage, res: ServerResponse, extras: HttpExtras): void {
  const path = pathOf(req);
  if (path === METRICS_PATH && extras.metrics !== undefined) {
    const verdict = (extras.metricsAccess ?? LOOPBACK_ONLY)(req, clientAddress(req, extras));
    if (verdict === "unauthorized")
      return reply(res, 401, "unauthorized", { "WWW-Authenticate": 'Bearer realm="metrics"' });
    if (verdict === "allow") {
      if (req.method !== "GET" && req.method !== "HEAD")
        return reply(res, 405, "method not allowed", { Allow: "GET, HEAD" });
      const text = extras.metrics();
      const send = (t: string) =>
        reply(res, 200, t.trimEnd(), { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
      if (typeof text === "string") return send(text);
      // Gathered from other processes (serve --workers); the client may have gone meanwhile.
      text.then(send, () => {
        if (!res.headersSent) reply(res, 500, "metrics unavailable");
      });
      return;
    }
    // Hidden: the same 404 as any unknown path.
  }
  if (path === HEALTH_PATH) {
    if (req.method !== "GET" && req.method !== "HEAD")
      return reply(res, 405, "method not allowed", { Allow: "GET, HEAD" });
    const h = extras.health?.() ?? { ok: true, text: "ok" };
    return reply(res, h.ok ? 200 : 503, h.text);
  }
  if (path === WEBSOCKET_PATH) {
    // RFC 9110 §15.5.22: the resource exists, over another protocol.
    return reply(
      res,
      426,
      'This is an XMPP over WebSocket endpoint (RFC 7395): connect with a WebSocket client and the "xmpp" subprotocol.',
      { Upgrade: "websocket", Connection: "Upgrade" },
    );
  }
  const component =
    path === undefined ? undefined : extras.components?.find((c) => path.startsWith(c.prefix));
  if (component !== undefined) return component.handle(req, res);
  return reply(res, 404, "not found");
}

function attach(server: Server, endpoint: WebSocketEndpoint, secure: boolean, extras: HttpExtras): Server {
  server.on("request", (req: IncomingMessage, res: ServerResponse) => onRequest(req, res, extras));
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => {});
    if (pathOf(req) !== WEBSOCKET_PATH) return refuseUpgrade(socket, 404, "Not Found", "not found");
    endpoint.upgrade(req, socket, head, secure, clientAddress(req, extras));
  });
  return server;
}

/** Plain HTTP: a WebSocket here is secure only when the operator says a proxy terminates TLS. */
export function httpServer(
  endpoint: WebSocketEndpoint,
  opts: { readonly considerSecure: boolean },
  extras: HttpExtras = {},
): Server {
  return attach(createPlainServer(), endpoint, opts.considerSecure, extras);
}

/** HTTPS with the c2s certificate. Node's TLS servers need the PEMs themselves (see listeners.ts). */
export function httpsServer(
  pem: { readonly cert: string; readonly key: string },
  endpoint: WebSocketEndpoint,
  onTlsError: (err: Error) => void,
  extras: HttpExtras = {},
  sni?: SniCallback,
): Server {
  const server = createTlsServer({
    cert: pem.cert,
    key: pem.key,
    minVersion: "TLSv1.2",
    ...(sni === undefined ? {} : { SNICallback: sni }),
  });
  server.on("tlsClientError", onTlsError);
  return attach(server, endpoint, true, extras);
}
