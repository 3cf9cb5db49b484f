// TLS material for the c2s listeners (RFC 6120 §5, XEP-0368) and HTTPS: the operator's PEM files,
// or, when none are configured, a self-signed certificate for the host names kept under data_path.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { createSecureContext, type SecureContext } from "node:tls";
import { join } from "node:path";
import { generate } from "selfsigned";
import { XhaError } from "../errors.ts";
import type { Logger } from "../log.ts";

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  /** Where the certificate lives (for messages: clients need to trust it). */
  readonly certPath: string;
  readonly selfSigned: boolean;
}

export interface TlsOptions {
  readonly certificate: string | undefined;
  readonly key: string | undefined;
  readonly dataPath: string;
  readonly hosts: readonly string[];
  readonly logger: Logger;
}

const RENEW_BEFORE_MS = 30 * 86400_000;

/** A PEM file's text; an unreadable file is XHA_TLS_MATERIAL naming it. */
export function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new XhaError(
      "XHA_TLS_MATERIAL",
      `cannot read the ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
}

/** A kept self-signed certificate is reused while it names every host and is not about to expire. */
function reusable(cert: string, hosts: readonly string[]): boolean {
  try {
    const x = new X509Certificate(cert);
    if (Date.parse(x.validTo) - Date.now() < RENEW_BEFORE_MS) return false;
    return hosts.every((h) => x.checkHost(h) !== undefined);
  } catch {
    return false;
  }
}

async function selfSigned(dataPath: string, hosts: readonly string[], logger: Logger): Promise<TlsMaterial> {
  const dir = join(dataPath, "certs");
  const certPath = join(dir, "selfsigned.crt");
  const keyPath = join(dir, "selfsigned.key");
  if (existsSync(certPath) && existsSync(keyPath)) {
    const cert = readFileSync(certPath, "utf8");
    if (reusable(cert, hosts))
      return { cert, key: readFileSync(keyPath, "utf8"), certPath, selfSigned: true };
  }
  const now = Date.now();
  const pems = await generate([{ name: "commonName", value: hosts[0] ?? "localhost" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate: new Date(now - 3600_000),
    notAfterDate: new Date(now + 365 * 86400_000),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: hosts.map((h) => ({ type: 2 as const, value: h })) },
    ],
  });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // A mode only applies when a file is created: an old key (or one made by another tool) goes first,
  // so the new private key is never readable by others.
  rmSync(keyPath, { force: true });
  writeFileSync(keyPath, pems.private, { mode: 0o600, flag: "wx" });
  writeFileSync(certPath, pems.cert, { mode: 0o644 });
  logger.info({ certPath, hosts }, "generated a self-signed certificate");
  return { cert: pems.cert, key: pems.private, certPath, selfSigned: true };
}

export async function loadTlsMaterial(opts: TlsOptions): Promise<TlsMaterial> {
  let material: TlsMaterial;
  if (opts.certificate !== undefined && opts.key !== undefined) {
    material = {
      cert: readPem(opts.certificate, "certificate"),
      key: readPem(opts.key, "key"),
      certPath: opts.certificate,
      selfSigned: false,
    };
  } else {
    material = await selfSigned(opts.dataPath, opts.hosts, opts.logger);
    opts.logger.warn(
      { certPath: material.certPath },
      "no certificate configured: using a self-signed one; clients must be told to trust it (set certificate and key for production)",
    );
  }
  secureContext(material); // fail at start-up, not at the first handshake
  return material;
}

export function secureContext(material: TlsMaterial): SecureContext {
  try {
    return createSecureContext({ cert: material.cert, key: material.key, minVersion: "TLSv1.2" });
  } catch (err) {
    throw new XhaError(
      "XHA_TLS_MATERIAL",
      `the certificate and key in ${material.certPath} do not load: ${(err as Error).message}`,
    );
  }
}
