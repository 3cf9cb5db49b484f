// Auth providers by the name an operator writes in `authentication = "<name>"` (as in Prosody).
import type { HostOptions } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import type { AuthProvider } from "./provider.ts";
import { createHttpProvider } from "./http/provider.ts";
import type { HttpMetrics } from "./http/metrics.ts";
import { createCachedProvider, type CachedProvider } from "./cache/cached-provider.ts";
import type { CacheMetrics } from "./cache/cache-metrics.ts";

export interface ProviderDeps {
  readonly host: string;
  readonly options: HostOptions;
  readonly logger: Logger;
  readonly httpMetrics: HttpMetrics;
  readonly cacheMetrics: CacheMetrics;
}

type ProviderFactory = (deps: ProviderDeps) => AuthProvider;

const PROVIDERS: Record<HostOptions["authentication"], ProviderFactory> = {
  http: ({ host, options, logger, httpMetrics }) => {
    if (options.http_auth_url === undefined) throw new Error(`host ${host} has no http_auth_url`); // the config loader checks this
    if (!options.http_auth_tls_verify) {
      logger.warn(
        { host },
        "http_auth_tls_verify = false: the auth API's certificate is NOT verified (insecure)",
      );
    }
    return createHttpProvider({
      url: options.http_auth_url,
      host,
      credentials: options.http_auth_credentials,
      timeoutMs: Math.round(options.http_auth_timeout * 1000),
      maxConnections: options.http_auth_max_connections,
      caFile: options.http_auth_ca_file,
      tlsVerify: options.http_auth_tls_verify,
      logger,
      metrics: httpMetrics,
    });
  },
};

/** The host's provider, behind the auth cache when the host turns it on (off by default). */
export function createProvider(deps: ProviderDeps): AuthProvider | CachedProvider {
  const inner = PROVIDERS[deps.options.authentication](deps);
  const o = deps.options;
  if (o.http_auth_cache_ttl === 0 && o.http_auth_cache_user_exists_ttl === 0) return inner;
  deps.logger.info(
    {
      host: deps.host,
      http_auth_cache_ttl: o.http_auth_cache_ttl,
      http_auth_cache_user_exists_ttl: o.http_auth_cache_user_exists_ttl,
      http_auth_cache_size: o.http_auth_cache_size,
      http_auth_cache_stale_if_error: o.http_auth_cache_stale_if_error,
    },
    "auth cache on: changes made directly in the API may take up to a TTL to be seen",
  );
  return createCachedProvider({
    inner,
    host: deps.host,
    options: {
      checkPasswordTtl: o.http_auth_cache_ttl,
      userExistsTtl: o.http_auth_cache_user_exists_ttl,
      maxEntries: o.http_auth_cache_size,
      staleIfError: o.http_auth_cache_stale_if_error,
    },
    logger: deps.logger,
    metrics: deps.cacheMetrics,
  });
}

/** Whether the provider keeps a cache that must hear about changes made elsewhere. */
export function isCached(provider: AuthProvider): provider is CachedProvider {
  return typeof (provider as Partial<CachedProvider>).forget === "function";
}
