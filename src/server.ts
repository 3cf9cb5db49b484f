// The XMPP server: hosts with their auth providers, listeners, sessions and modules, wired together
// from a validated configuration. start() binds every port or fails; stop() closes streams cleanly.
import type { Server, Socket } from "node:net";
import type { Server as TlsServer } from "node:tls";
import type { Logger } from "./log.ts";
import type { ServerConfig } from "./config/load.ts";
import type { ServerContext } from "./server-context.ts";
import type { HostOptions } from "./config/schema.ts";
import { createProvider, isCached } from "./auth/registry.ts";
import { createCacheMetrics, type CacheMetrics } from "./auth/cache/cache-metrics.ts";
import { createHttpMetrics, type HttpMetrics } from "./auth/http/metrics.ts";
import { createApiHealth, type ApiHealth } from "./admin/api-health.ts";
import { SessionRegistry } from "./router/sessions.ts";
import { ClusterDirectory } from "./cluster/cluster-directory.ts";
import { clusterMetrics } from "./cluster/metrics.ts";
import { IqRegistry } from "./router/iq-registry.ts";
import { Hook } from "./router/hooks.ts";
import { createRouter } from "./router/router.ts";
import { Session } from "./stream/session.ts";
import { TcpTransport } from "./transport/tcp.ts";
import { directTlsServer, listen, tcpServer, type Listener } from "./transport/listeners.ts";
import { loadCertificateSet, type CertificateSet } from "./tls/certificate-set.ts";
import type { SniCallback } from "./transport/listeners.ts";
import { LiveHost } from "./reload/live-host.ts";
import { applyConfig, type ReloadReport, type ReloadTarget } from "./reload/apply-config.ts";
import { registerPing } from "./modules/ping.ts";
import { registerTimeAndUptime } from "./modules/time.ts";
import { registerExternalServices } from "./modules/external-services/external-services.ts";
import { registerDisco } from "./modules/disco.ts";
import { registerVersion } from "./modules/version.ts";
import { registerChat } from "./modules/chat.ts";
import { StoreHandle } from "./storage/handle.ts";
import type { ChatStore } from "./storage/store.ts";
import { registerAccounts } from "./modules/register/index.ts";
import type { StreamTransport } from "./stream/transport.ts";
import { createWebSocketEndpoint } from "./http/websocket-endpoint.ts";
import { httpServer, httpsServer } from "./http/http-listener.ts";
import { createLoginLimiter, loginLimitMetrics } from "./limits/login-limiter.ts";
import { InputRateStats } from "./limits/input-rate.ts";
import { AddressList } from "./limits/client-address.ts";
import { createMetricsAccess } from "./http/metrics-access.ts";
import { proxiedService } from "./transport/proxied-service.ts";
import { DiscoRegistry } from "./modules/disco/registry.ts";
import { registerAdhoc } from "./modules/adhoc/index.ts";
import { registerCsi } from "./modules/csi/index.ts";
import { InlineRegistry } from "./stream/sasl2-inline.ts";
import { registerSasl2 } from "./modules/sasl2.ts";
import { createComponents } from "./components/components.ts";
import { registerStreamManagement } from "./modules/sm/stream-management.ts";
import { smSasl2Feature } from "./modules/sm/sasl2-inline.ts";
import { smBindFeature } from "./modules/sm/bind2-inline.ts";
import { registerPush } from "./modules/push/push.ts";

export interface XmppServer {
  readonly ctx: ServerContext;
  readonly httpMetrics: HttpMetrics;
  readonly cacheMetrics: CacheMetrics;
  /** Per host: auth API calls, failures and latency over the last hour (for the admin page). */
  readonly apiHealth: ApiHealth;
  /** Bound addresses, by kind ("c2s", "c2s_direct_tls", "http", "https"), after start(). */
  readonly listeners: Listener[];
  /** The certificate file clients must trust when it is self-signed. */
  certPath: string | undefined;
  /** The certificates in use: the default one and those found per host (after start()). */
  readonly certificates: CertificateSet | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Applies a new configuration without a restart (see src/reload/apply-config.ts). */
  reload(config: ServerConfig): Promise<ReloadReport>;
  /** This process's /metrics text (under `serve --workers`, /metrics may add the other workers'). */
  metricsText(): string;
}

export interface ServerDeps {
  readonly config: ServerConfig;
  readonly logger: Logger;
  /** Injected in tests (e.g. with a fake clock); made here otherwise. */
  readonly apiHealth?: ApiHealth;
  /** Under `serve --workers`: /metrics answers with every worker's, this text included. */
  readonly gatherMetrics?: (local: string) => Promise<string>;
  /** Injected in tests: wraps the chat store once opened (e.g. to hold its writes). */
  readonly wrapChatStore?: (store: ChatStore) => ChatStore;
}

export function createXmppServer({ config, logger, ...deps }: ServerDeps): XmppServer {
  const httpMetrics = createHttpMetrics();
  const cacheMetrics = createCacheMetrics();
  const apiHealth = deps.apiHealth ?? createApiHealth();
  const hosts = new Map<string, LiveHost>();
  const makeProvider = (name: string, options: HostOptions) => {
    const provider = createProvider({
      host: name,
      options,
      // Not a child with the host: every provider line names its host already (twice was invalid JSON
      // for strict readers).
      logger,
      httpMetrics: apiHealth.metricsFor(name, httpMetrics),
      cacheMetrics,
    });
    if (!options.c2s_require_encryption && options.allow_unencrypted_plain_auth) {
      logger.warn(
        { host: name },
        "allow_unencrypted_plain_auth: passwords may cross the network in clear text",
      );
    }
    return provider;
  };
  for (const [name, options] of config.hosts)
    hosts.set(name, new LiveHost(name, options, makeProvider(name, options)));
  // With [cluster], sessions are shared with the other nodes through Redis; without, Redis is never touched.
  const cluster =
    config.cluster === undefined
      ? undefined
      : new ClusterDirectory(config.cluster, logger.child({ cluster: config.cluster.node }));
  const ctx: ServerContext = {
    global: config.global,
    hosts,
    sessions: cluster ?? new SessionRegistry(),
    iq: new IqRegistry(),
    preAuthIq: new IqRegistry(),
    preAuthFeatures: [],
    hooks: {
      bound: new Hook(),
      unbound: new Hook(),
      accountRemoved: new Hook(),
      passwordChanged: new Hook(),
      offlineStored: new Hook(),
      accountIqReply: new Hook(),
      archivePrefsChanged: new Hook(),
    },
    route: async () => {},
    logger,
    loginLimiter: createLoginLimiter(config.global),
    inputRate: new InputRateStats(),
    disco: new DiscoRegistry(),
    postAuthFeatures: [],
    nonzas: new Map(),
    inline: new InlineRegistry(),
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
  const storage = new StoreHandle(deps.wrapChatStore);
  const chat = registerChat({ ctx, storage });
  // [components."domain"] (src/components/): started after storage opens, stopped before it closes.
  const components = createComponents({
    ctx,
    storage,
    logger,
    configs: config.components,
    ...(cluster === undefined ? {} : { link: cluster }),
  });
  ctx.route = createRouter(ctx, chat, components);
  registerVersion(ctx.iq, ctx.disco);
  registerPing(ctx.iq, ctx.disco);
  registerExternalServices(ctx);
  registerTimeAndUptime(ctx.iq, ctx.disco);
  registerDisco(ctx.iq, ctx.disco);
  ctx.disco.addServerItems(() => components.discoItems());
  registerAccounts(ctx);
  registerAdhoc(ctx);
  registerCsi(ctx);
  registerSasl2({ ctx, storage });
  const streamManagement = registerStreamManagement({ ctx, storage });
  ctx.inline.addBind(smBindFeature(streamManagement));
  ctx.inline.addSasl2(smSasl2Feature(streamManagement));
  const push = registerPush({ ctx, storage }, chat.accountIq, streamManagement);

  const live = new Set<Session>();
  // Prometheus text: the HTTP auth calls, and the sessions open now.
  const metrics = (): string =>
    httpMetrics.toPrometheus() +
    cacheMetrics.toPrometheus() +
    "# HELP xha_c2s_connections Client connections open, authenticated or not.\n# TYPE xha_c2s_connections gauge\n" +
    `xha_c2s_connections ${live.size - streamManagement.hibernating}\n` +
    "# HELP xha_c2s_sessions Bound client sessions.\n# TYPE xha_c2s_sessions gauge\n" +
    `xha_c2s_sessions ${ctx.sessions.localCount}\n` +
    loginLimitMetrics(ctx.loginLimiter) +
    ctx.inputRate.metrics() +
    (cluster === undefined ? "" : clusterMetrics(cluster)) +
    streamManagement.metrics() +
    push.metrics() +
    chat.metrics();
  const health = cluster === undefined ? undefined : () => cluster.health();
  const listeners: Listener[] = [];
  const sockets = new Set<Socket>();
  let certificates: CertificateSet | undefined;
  // Read at each handshake, so a reload's certificates serve the next connection.
  const sni: SniCallback = (servername, cb) => cb(null, certificates?.contextFor(servername));
  const loadCertificates = (g: typeof config.global, names: readonly string[]) =>
    loadCertificateSet({
      certificate: g.certificate,
      key: g.key,
      certificates: g.certificates,
      dataPath: g.data_path,
      hosts: names,
      logger,
    });
  const reloadTarget: ReloadTarget = {
    get global() {
      return ctx.global;
    },
    set global(g) {
      ctx.global = g;
    },
    hosts,
    logger,
    makeProvider,
    loadCertificates,
    installCertificates(set) {
      certificates = set;
      server.certPath = set.default.material.selfSigned ? set.default.material.certPath : undefined;
      const { cert, key } = set.default.material;
      for (const l of listeners)
        if (l.kind === "c2s_direct_tls" || l.kind === "https")
          (l.server as TlsServer).setSecureContext({ cert, key, minVersion: "TLSv1.2" });
    },
    closeHostSessions(name) {
      for (const session of live)
        if (session.host?.name === name) session.close("host-gone", "This host is no longer served here");
    },
  };
  let reloading = Promise.resolve();

  const accept = (transport: StreamTransport) => {
    // The session is in `live` until its connection is gone.
    new Session(transport, ctx, live);
  };

  const server: XmppServer = {
    ctx,
    httpMetrics,
    cacheMetrics,
    apiHealth,
    listeners,
    certPath: undefined,
    get certificates() {
      return certificates;
    },
    async start() {
      const g = config.global;
      reloadTarget.installCertificates(await loadCertificates(g, [...hosts.keys()]));
      const tls = certificates!.default.material;
      await storage.open(g, logger);
      if (cluster !== undefined) {
        try {
          await cluster.start(ctx.hooks);
        } catch (err) {
          await storage.close();
          throw err;
        }
      }
      try {
        await components.start();
      } catch (err) {
        await components.stop();
        await cluster?.stop();
        await storage.close();
        throw err;
      }
      chat.start();
      const track = (socket: Socket) => {
        sockets.add(socket);
        socket.once("close", () => sockets.delete(socket));
      };
      const proxyTrusted = new AddressList(g.proxy_trusted_proxies);
      const gatherMetrics = deps.gatherMetrics;
      const extras = {
        metrics: gatherMetrics === undefined ? metrics : () => gatherMetrics(metrics()),
        metricsAccess: createMetricsAccess(g),
        trustedProxies: new AddressList(g.trusted_proxies),
        ...(health === undefined ? {} : { health }),
        components: components.http,
      };
      // Per connection, so a reload's limits and certificates apply to the next one.
      const opts = () => ({
        secureContext: certificates!.default.context,
        sni,
        maxStanzaBytes: ctx.global.c2s_stanza_size_limit,
        maxStanzaDepth: ctx.global.c2s_stanza_depth_limit,
        tcpKeepAliveMs: (ctx.global.c2s_keepalive_interval || 60) * 1000,
      });
      const websocket = createWebSocketEndpoint({
        // Read per upgrade: a reload may lower it (frames stay capped at the start-up value).
        get maxStanzaBytes() {
          return ctx.global.c2s_stanza_size_limit;
        },
        get maxStanzaDepth() {
          return ctx.global.c2s_stanza_depth_limit;
        },
        onTransport: accept,
      });
      if (g.consider_websocket_secure && g.http_ports.length > 0) {
        logger.warn(
          { http_ports: g.http_ports, interfaces: g.interfaces },
          "consider_websocket_secure: plain-HTTP WebSocket counts as encrypted and accepts passwords; safe only behind a TLS-terminating proxy or on loopback",
        );
      }
      // Port 0 on several interfaces: every interface gets the port the first one was given.
      const chosen = new Map<string, number>();
      const bind = async (kind: string, s: Server, iface: string, port: number, index: number) => {
        const key = `${kind}#${index}`;
        const l = await listen(kind, s, iface, chosen.get(key) ?? port, g.interfaces);
        if (port === 0 && !chosen.has(key)) chosen.set(key, l.address.port);
        listeners.push(l);
      };
      try {
        for (const iface of g.interfaces) {
          for (const [index, port] of g.c2s_ports.entries()) {
            const s = tcpServer((socket) => {
              track(socket);
              accept(new TcpTransport(socket, { ...opts(), kind: "tcp" }));
            });
            await bind("c2s", s, iface, port, index);
          }
          for (const [index, port] of g.c2s_direct_tls_ports.entries()) {
            const s = directTlsServer(
              tls,
              (socket) => {
                track(socket);
                accept(new TcpTransport(socket, { ...opts(), kind: "tls" }));
              },
              (err) => logger.debug({ err: err.message }, "direct TLS handshake failed"),
              sni,
            );
            await bind("c2s_direct_tls", s, iface, port, index);
          }
          for (const [index, port] of g.http_ports.entries()) {
            const s = httpServer(websocket, { considerSecure: g.consider_websocket_secure }, extras);
            s.on("connection", track);
            await bind("http", s, iface, port, index);
          }
          for (const [index, port] of g.https_ports.entries()) {
            const s = httpsServer(
              tls,
              websocket,
              (err) => logger.debug({ err: err.message }, "HTTPS handshake failed"),
              extras,
              sni,
            );
            s.on("connection", track);
            await bind("https", s, iface, port, index);
          }
          for (const [port, service] of Object.entries(g.proxy_port_mappings)) {
            const s = proxiedService(service, {
              trusted: proxyTrusted,
              // Read per connection, as on the other ports, so a reload applies to the next one.
              get transport() {
                return opts();
              },
              accept,
              http: (tls) =>
                httpServer(websocket, { considerSecure: tls || g.consider_websocket_secure }, extras),
              track,
              logger,
            });
            listeners.push(await listen(`proxy_${service}`, s, iface, Number(port), g.interfaces));
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
      const ending = [...live];
      for (const session of ending) session.close("system-shutdown", "The server is shutting down");
      const deadline = Date.now() + 2000;
      while (sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const socket of sockets) socket.destroy();
      await closed;
      // Their ends (unavailable presence, XEP-0198 queues kept offline) finish before the store closes.
      await Promise.race([
        Promise.all(ending.map((s) => s.unbind())),
        new Promise((r) => setTimeout(r, 2000).unref()),
      ]);
      await Promise.all([...hosts.values()].map((h) => h.provider.close()));
      await components.stop();
      await cluster?.stop();
      // Queued archive writes go to the store before it closes; the retention timer stops.
      await chat.stop();
      await storage.close();
    },
    metricsText: metrics,
    reload(next) {
      // One reload at a time: each one starts from what the previous one installed.
      const run = reloading.then(() => applyConfig(reloadTarget, next));
      reloading = run.then(
        () => undefined,
        () => undefined,
      );
      return run;
    },
  };
  return server;
}
