// The server's certificates: a default one (the `certificate`/`key` pair, else the first host found
// in the `certificates` directory, else a self-signed one) and one per host found in that directory,
// chosen by the client's SNI name (RFC 6066 §3). Built whole at start-up and again on reload, so a
// reload either swaps in a complete, loadable set or keeps the old one.
import type { SecureContext } from "node:tls";
import type { Logger } from "../log.ts";
import { findHostCertificate } from "./certificates-dir.ts";
import { loadTlsMaterial, readPem, secureContext, type TlsMaterial } from "./credentials.ts";

export interface LoadedCertificate {
  readonly material: TlsMaterial;
  readonly context: SecureContext;
}

export interface CertificateSet {
  readonly default: LoadedCertificate;
  /** Hosts with their own certificate from the `certificates` directory. */
  readonly byHost: ReadonlyMap<string, LoadedCertificate>;
  /** The context for an SNI name: its host's certificate, else the default. */
  contextFor(servername: string): SecureContext;
}

export interface CertificateSetOptions {
  readonly certificate: string | undefined;
  readonly key: string | undefined;
  readonly certificates: string | undefined;
  readonly dataPath: string;
  readonly hosts: readonly string[];
  readonly logger: Logger;
}

export async function loadCertificateSet(opts: CertificateSetOptions): Promise<CertificateSet> {
  const byHost = new Map<string, LoadedCertificate>();
  if (opts.certificates !== undefined) {
    for (const host of opts.hosts) {
      const files = findHostCertificate(opts.certificates, host);
      if (files === undefined) continue;
      const material: TlsMaterial = {
        cert: readPem(files.certPath, "certificate"),
        key: readPem(files.keyPath, "key"),
        certPath: files.certPath,
        selfSigned: false,
      };
      byHost.set(host, { material, context: secureContext(material) });
    }
    const missing = opts.hosts.filter((h) => !byHost.has(h));
    if (missing.length > 0)
      opts.logger.warn(
        { certificates: opts.certificates, hosts: missing },
        "no certificate for these hosts in the certificates directory: they get the default one",
      );
  }
  const first = byHost.values().next();
  let fallback: LoadedCertificate;
  if (opts.certificate === undefined && !first.done) {
    fallback = first.value;
  } else {
    const material = await loadTlsMaterial({
      certificate: opts.certificate,
      key: opts.key,
      dataPath: opts.dataPath,
      hosts: opts.hosts,
      logger: opts.logger,
    });
    fallback = { material, context: secureContext(material) };
  }
  return {
    default: fallback,
    byHost,
    contextFor: (servername) => byHost.get(servername.toLowerCase())?.context ?? fallback.context,
  };
}
