// Applying a new, already validated configuration to a running server (what SIGHUP and
// `xmpp-http-auth reload` do). Everything that can fail (certificates, providers) is prepared first;
// only then is anything swapped, so a refused reload leaves the old configuration wholly in place.
// Connected sessions are kept; those of a removed host are closed with `host-gone` (RFC 6120
// §4.9.3.5), since their host, its provider and its routing are gone.
import type { AuthProvider } from "../auth/provider.ts";
import type { ServerConfig } from "../config/load.ts";
import type { GlobalOptions, HostOptions } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import type { CertificateSet } from "../tls/certificate-set.ts";
import { LiveHost } from "./live-host.ts";

/** Options bound to listening sockets, storage or loggers made at start-up: changed only by a restart. */
export const RESTART_ONLY_OPTIONS: readonly (keyof GlobalOptions)[] = Object.freeze([
  "interfaces",
  "c2s_ports",
  "c2s_direct_tls_ports",
  "http_ports",
  "https_ports",
  "consider_websocket_secure",
  "data_path",
  "storage",
  "sql",
  "log_level",
]);

export interface ReloadReport {
  readonly ok: boolean;
  /** Why the new configuration was refused (the old one is kept). */
  readonly error?: string;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Hosts whose options changed (a new auth provider for each). */
  readonly changed: readonly string[];
  /** Options whose new value waits for a restart (the old value stays in force). */
  readonly restartRequired: readonly string[];
}

/** What a reload may change in a running server. */
export interface ReloadTarget {
  global: GlobalOptions;
  readonly hosts: Map<string, LiveHost>;
  readonly logger: Logger;
  makeProvider(name: string, options: HostOptions): AuthProvider;
  loadCertificates(global: GlobalOptions, hosts: readonly string[]): Promise<CertificateSet>;
  installCertificates(set: CertificateSet): void;
  /** Closes the sessions of a host that no longer exists. */
  closeHostSessions(host: string): void;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export function refused(error: string): ReloadReport {
  return { ok: false, error, added: [], removed: [], changed: [], restartRequired: [] };
}

function closeQuietly(provider: AuthProvider, logger: Logger, host: string): void {
  // undici lets requests already sent finish before the pool closes.
  provider.close().catch((err: unknown) => logger.warn({ host, err }, "closing a replaced provider failed"));
}

export async function applyConfig(target: ReloadTarget, next: ServerConfig): Promise<ReloadReport> {
  const old = target.global;
  const restartRequired = RESTART_ONLY_OPTIONS.filter((k) => !same(old[k], next.global[k]));
  const keep = Object.fromEntries(restartRequired.map((k) => [k, old[k]]));
  const global = Object.freeze({ ...next.global, ...keep }) as GlobalOptions;

  const added = [...next.hosts.keys()].filter((h) => !target.hosts.has(h));
  const removed = [...target.hosts.keys()].filter((h) => !next.hosts.has(h));
  const changed = [...next.hosts].filter(([h, o]) => {
    const live = target.hosts.get(h);
    return live !== undefined && !same(live.options, o);
  });

  let certificates: CertificateSet;
  try {
    certificates = await target.loadCertificates(global, [...next.hosts.keys()]);
  } catch (err) {
    return refused((err as Error).message);
  }
  const providers = new Map<string, AuthProvider>();
  try {
    for (const h of [...added, ...changed.map(([h]) => h)])
      providers.set(h, target.makeProvider(h, next.hosts.get(h)!));
  } catch (err) {
    for (const [h, p] of providers) closeQuietly(p, target.logger, h);
    return refused((err as Error).message);
  }

  // From here on nothing fails: swap everything in.
  target.global = global;
  target.installCertificates(certificates);
  for (const [h, options] of changed)
    closeQuietly(target.hosts.get(h)!.swap(options, providers.get(h)!), target.logger, h);
  for (const h of added) target.hosts.set(h, new LiveHost(h, next.hosts.get(h)!, providers.get(h)!));
  for (const h of removed) {
    const live = target.hosts.get(h)!;
    target.hosts.delete(h);
    target.closeHostSessions(h);
    closeQuietly(live.provider, target.logger, h);
  }
  return { ok: true, added, removed, changed: changed.map(([h]) => h), restartRequired };
}
