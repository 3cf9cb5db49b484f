// Auth providers by the name an operator writes in `authentication = "<name>"` (as in Prosody).
import type { HostOptions } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import type { AuthProvider } from "./provider.ts";
import { createHttpProvider } from "./http/provider.ts";
import type { HttpMetrics } from "./http/metrics.ts";

export interface ProviderDeps {
  readonly host: string;
  readonly options: HostOptions;
  readonly logger: Logger;
  readonly httpMetrics: HttpMetrics;
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

export function createProvider(deps: ProviderDeps): AuthProvider {
  return PROVIDERS[deps.options.authentication](deps);
}
