// The XMPP server: hosts with their auth providers, listeners, sessions and modules, wired together
// from a validated configuration. start() binds every port or fails; stop() closes streams cleanly.
import { createMechanisms } from "./stream/sasl-mechanisms.ts";
import type { Socket } from "node:net";
import type { Logger } from "./log.ts";
import type { ServerConfig } from "./config/load.ts";
import type { HostContext, ServerContext } from "./server-context.ts";
import { createProvider, isCached } from "./auth/registry.ts";
import { createCacheMetrics, type CacheMetrics } from "./auth/cache/cache-metrics.ts";
import { createHttpMetrics, type HttpMetrics } from "./auth/http/metrics.ts";
import { SessionRegistry } from "./router/sessions.ts";
import { IqRegistry } from "./router/iq-registry.ts";
import { Hook } from "./router/hooks.ts";
import { createRouter } from "./router/router.ts";
import { Session } from "./stream/session.ts";
import { TcpTransport } from "./transport/tcp.ts";
import { directTlsServer, listen, tcpServer, type Listener } from "./transport/listeners.ts";
import { loadTlsMaterial, secureContext } from "./tls/credentials.ts";
import { registerPing } from "./modules/ping.ts";
import { registerDisco } from "./modules/disco.ts";
import { registerVersion } from "./modules/version.ts";
import { registerChat } from "./modules/chat.ts";
import { StoreHandle } from "./storage/handle.ts";
import { registerAccounts } from "./modules/register/index.ts";
import type { StreamTransport } from "./stream/transport.ts";
import { createWebSocketEndpoint } from "./http/websocket-endpoint.ts";
import { httpServer, httpsServer } from "./http/http-listener.ts";
import { createLoginLimiter, loginLimitMetrics } from "./limits/login-limiter.ts";
import { AddressList } from "./limits/client-address.ts";
import { createMetricsAccess } from "./http/metrics-access.ts";
import { proxiedService } from "./transport/proxied-service.ts";

export interface XmppServer {
  readonly ctx: ServerContext;
  readonly httpMetrics: HttpMetrics;
  readonly cacheMetrics: CacheMetrics;
  /** Bound addresses, by kind ("c2s", "c2s_direct_tls", "http", "https"), after start(). */
  readonly listeners: Listener[];
  /** The certificate file clients must trust when it is self-signed. */
  certPath: string | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ServerDeps {
  readonly config: ServerConfig;
  readonly logger: Logger;
}

export function createXmppServer({ config, logger }: ServerDeps): XmppServer {
  const httpMetrics = createHttpMetrics();
  const cacheMetrics = createCacheMetrics();
  const hosts = new Map<string, HostContext>();
  for (const [name, options] of config.hosts) {
    const provider = createProvider({
      host: name,
      options,
      // Not a child with the host: every provider line names its host already (twice was invalid JSON
      // for strict readers).
      logger,
      httpMetrics,
      cacheMetrics,
    });
    hosts.set(name, { name, options, provider, mechanisms: createMechanisms(provider, options) });
    if (!options.c2s_require_encryption && options.allow_unencrypted_plain_auth) {
      logger.warn(
        { host: name },
        "allow_unencrypted_plain_auth: passwords may cross the network in clear text",
      );
    }
  }
  const ctx: ServerContext = {
    global: config.global,
    hosts,
    sessions: new SessionRegistry(),
    iq: new IqRegistry(),
    preAuthIq: new IqRegistry(),
    preAuthFeatures: [],
    hooks: {
      bound: new Hook(),
      unbound: new Hook(),
      accountRemoved: new Hook(),
      passwordChanged: new Hook(),
    },
    route: async () => {},
    logger,
    loginLimiter: createLoginLimiter(config.global),
  };
  // A change through us (on this node or, through the cluster, another) drops the account's cache
  // entries at once; a TTL only covers changes made directly in the API.
  const forgetAccount = (bare: string) => {
    const at = bare.indexOf("@");
    const provider = ctx.hosts.get(bare.slice(at + 1))?.provider;
    if (at > 0 && provider !== undefined && isCached(provider)) provider.forget(bare.slice(0, at));
  };
  ctx.hooks.passwordChanged.add(forgetAccount);
  ctx.hooks.accountRemoved.add(forgetAccount);
  // Rosters and offline messages: opened by start(), closed by stop().
  const storage = new StoreHandle();
  ctx.route = createRouter(ctx, registerChat({ ctx, storage }));
  registerVersion(ctx.iq);
  registerPing(ctx.iq);
  registerDisco(ctx.iq);
  registerAccounts(ctx);

  const live = new Set<Session>();
  // Prometheus text: the HTTP auth calls, and the sessions open now.
  const metrics = (): string =>
    httpMetrics.toPrometheus() +
    cacheMetrics.toPrometheus() +
    "# HELP xha_c2s_connections Client connections open, authenticated or not.\n# TYPE xha_c2s_connections gauge\n" +
    `xha_c2s_connections ${live.size}\n` +
    "# HELP xha_c2s_sessions Bound client sessions.\n# TYPE xha_c2s_sessions gauge\n" +
    `xha_c2s_sessions ${ctx.sessions.size}\n` +
    loginLimitMetrics(ctx.loginLimiter);
  const listeners: Listener[] = [];
  const sockets = new Set<Socket>();

  const accept = (transport: StreamTransport) => {
    // The session is in `live` until its connection is gone.
    new Session(transport, ctx, live);
  };

  const server: XmppServer = {
    ctx,
    httpMetrics,
    cacheMetrics,
    listeners,
    certPath: undefined,
    async start() {
      const g = config.global;
      const tls = await loadTlsMaterial({
        certificate: g.certificate,
        key: g.key,
        dataPath: g.data_path,
        hosts: [...hosts.keys()],
        logger,
      });
      server.certPath = tls.selfSigned ? tls.certPath : undefined;
      await storage.open(g, logger);
      const secure = secureContext(tls);
      const track = (socket: Socket) => {
        sockets.add(socket);
        socket.once("close", () => sockets.delete(socket));
      };
      const proxyTrusted = new AddressList(g.proxy_trusted_proxies);
      const extras = {
        metrics,
        metricsAccess: createMetricsAccess(g),
        trustedProxies: new AddressList(g.trusted_proxies),
      };
      const opts = {
        secureContext: secure,
        maxStanzaBytes: g.c2s_stanza_size_limit,
        maxStanzaDepth: g.c2s_stanza_depth_limit,
        tcpKeepAliveMs: (g.c2s_keepalive_interval || 60) * 1000,
      };
      const websocket = createWebSocketEndpoint({
        maxStanzaBytes: g.c2s_stanza_size_limit,
        maxStanzaDepth: g.c2s_stanza_depth_limit,
        onTransport: accept,
      });
      if (g.consider_websocket_secure && g.http_ports.length > 0) {
        logger.warn(
          { http_ports: g.http_ports, interfaces: g.interfaces },
          "consider_websocket_secure: plain-HTTP WebSocket counts as encrypted and accepts passwords; safe only behind a TLS-terminating proxy or on loopback",
        );
      }
      try {
        for (const iface of g.interfaces) {
          for (const port of g.c2s_ports) {
            const s = tcpServer((socket) => {
              track(socket);
              accept(new TcpTransport(socket, { ...opts, kind: "tcp" }));
            });
            listeners.push(await listen("c2s", s, iface, port));
          }
          for (const port of g.c2s_direct_tls_ports) {
            const s = directTlsServer(
              tls,
              (socket) => {
                track(socket);
                accept(new TcpTransport(socket, { ...opts, kind: "tls" }));
              },
              (err) => logger.debug({ err: err.message }, "direct TLS handshake failed"),
            );
            listeners.push(await listen("c2s_direct_tls", s, iface, port));
          }
          for (const port of g.http_ports) {
            const s = httpServer(websocket, { considerSecure: g.consider_websocket_secure }, extras);
            s.on("connection", track);
            listeners.push(await listen("http", s, iface, port));
          }
          for (const port of g.https_ports) {
            const s = httpsServer(
              tls,
              websocket,
              (err) => logger.debug({ err: err.message }, "HTTPS handshake failed"),
              extras,
            );
            s.on("connection", track);
            listeners.push(await listen("https", s, iface, port));
          }
          for (const [port, service] of Object.entries(g.proxy_port_mappings)) {
            const s = proxiedService(service, {
              trusted: proxyTrusted,
              transport: opts,
              accept,
              http: (tls) =>
                httpServer(websocket, { considerSecure: tls || g.consider_websocket_secure }, extras),
              track,
              logger,
            });
            listeners.push(await listen(`proxy_${service}`, s, iface, Number(port)));
          }
        }
      } catch (err) {
        await server.stop();
        throw err;
      }
      for (const l of listeners)
        logger.info({ kind: l.kind, address: l.address.address, port: l.address.port }, "listening");
    },
    async stop() {
      // HTTP servers count upgraded (WebSocket) connections: their close() resolves once those end.
      const closed = Promise.all(
        listeners.map((l) => new Promise<void>((resolve) => l.server.close(() => resolve()))),
      );
      for (const session of live) session.close("system-shutdown", "The server is shutting down");
      const deadline = Date.now() + 2000;
      while (sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const socket of sockets) socket.destroy();
      await closed;
      await Promise.all([...hosts.values()].map((h) => h.provider.close()));
      await storage.close();
    },
  };
  return server;
}
