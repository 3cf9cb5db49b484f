// authd as a running service: the store, hasher and lockout wired into the protocol handler,
// served by node:http on each configured interface, plus `GET /healthz` (outside the protocol's
// path) which answers `ok` when the store does.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { XhaError } from "../errors.ts";
import { hostFor, listenHint } from "../transport/listeners.ts";
import { silentLogger, type Logger } from "../log.ts";
import { isExposedWithoutCredentials, type AuthdConfig } from "./config.ts";
import { createAuthHandler } from "./handler.ts";
import { createLockout } from "./lockout.ts";
import { createSharedLockout } from "./shared-lockout.ts";
import { toNodeListener } from "./node-adapter.ts";
import { createPasswordHasher, type PasswordHasher } from "./password-hasher.ts";
import { createStoreBackend } from "./store-backend.ts";
import { openStore } from "./store/open.ts";
import type { AccountStore } from "./store/store.ts";
import type { StoreBackend } from "./store-backend.ts";
import type { Lockout } from "./lockout.ts";

export interface AuthdOptions {
  readonly config: AuthdConfig;
  readonly logger?: Logger;
  /** Injected in tests (e.g. to count verifications); made from config.argon2 otherwise. */
  readonly hasher?: PasswordHasher;
  /** Injected in tests; opened from config.database otherwise (and then closed by close()). */
  readonly store?: AccountStore;
}

export interface Authd {
  /** The protocol's base URL on the first interface: what goes in `http_auth_url`. */
  readonly url: string;
  /** The base URL on every interface. */
  readonly urls: readonly string[];
  /** The accounts and lockouts behind the API, for an admin page in the same process. */
  readonly accounts: {
    readonly backend: StoreBackend;
    readonly lockout: Lockout;
    readonly domains: readonly string[];
  };
  close(): Promise<void>;
}

function listen(server: Server, iface: string, port: number, interfaces: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new XhaError(
          "XHA_LISTEN",
          `authd cannot listen on ${iface}:${port}: ${err.message}${listenHint(err.code)}`,
          { cause: err },
        ),
      ),
    );
    server.listen({ ...hostFor(iface, interfaces), port }, () =>
      resolve((server.address() as AddressInfo).port),
    );
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function createAuthd(options: AuthdOptions): Promise<Authd> {
  const { config } = options;
  const logger = options.logger ?? silentLogger();
  if (isExposedWithoutCredentials(config)) {
    logger.warn(
      { interfaces: config.interfaces },
      "INSECURE: authd listens beyond loopback without credentials: anyone who can reach it can test passwords and change accounts; set authd.credentials",
    );
  }
  const hasher = options.hasher ?? (await createPasswordHasher(config.argon2));
  const store = options.store ?? (await openStore(config.database));
  const rule = {
    maxFailures: config.lockout.maxFailures,
    baseMs: config.lockout.baseSeconds * 1000,
    maxMs: config.lockout.maxSeconds * 1000,
  };
  // In the database when the store keeps records, so the limit holds across authd processes.
  const lockout =
    store.failures === undefined ? createLockout(rule) : createSharedLockout(store.failures, rule);
  const backend = createStoreBackend({
    store,
    hasher,
    lockout,
    logger,
    scramIterations: config.scramIterations,
  });
  const handler = createAuthHandler(backend, {
    path: config.path,
    ...(config.credentials === undefined ? {} : { credentials: config.credentials }),
    domains: config.domains,
    maxBodyBytes: config.maxBodyBytes,
    logger,
  });
  const protocol = toNodeListener(handler);

  const servers: Server[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all(servers.map(closeServer));
    if (options.store === undefined) await store.close();
  };
  const urls: string[] = [];
  try {
    let port = config.port;
    for (const host of config.interfaces) {
      const server = createServer((req, res) => {
        if (req.url === "/healthz" && (req.method === "GET" || req.method === "HEAD")) {
          store.ping().then(
            () =>
              res
                .writeHead(200, { "content-type": "text/plain; charset=utf-8", "content-length": "2" })
                .end("ok"),
            (err: unknown) => {
              logger.error({ err: (err as Error).message }, "healthz: store unavailable");
              res
                .writeHead(503, { "content-type": "text/plain; charset=utf-8", "content-length": "17" })
                .end("store unavailable");
            },
          );
          return;
        }
        protocol(req, res);
      });
      // Short timeouts: callers are servers on the same network, a slow client is an attack.
      server.headersTimeout = 10_000;
      server.requestTimeout = 15_000;
      servers.push(server);
      // With port 0, every interface shares the port the first one was given.
      port = await listen(server, host, port, config.interfaces);
      urls.push(`http://${host.includes(":") ? `[${host}]` : host}:${port}${config.path}`);
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  logger.info(
    {
      urls,
      domains: config.domains,
      database: config.database.startsWith("sqlite:") ? config.database : "postgres",
    },
    "authd listening",
  );

  let closing: Promise<void> | undefined;
  return {
    url: urls[0]!,
    urls,
    accounts: { backend, lockout, domains: config.domains },
    close: () => (closing ??= closeAll()),
  };
}
