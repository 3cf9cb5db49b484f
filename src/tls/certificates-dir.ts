// Per-host certificates from a directory laid out as Prosody's `certificates` option expects (and as
// `prosodyctl cert import` and Let's Encrypt leave them): <dir>/<host>.crt + <host>.key, or
// <dir>/<host>/fullchain.pem + privkey.pem. A subdomain may use its parent's files when they cover it.
import { existsSync, readFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { join } from "node:path";

export interface HostPemFiles {
  readonly certPath: string;
  readonly keyPath: string;
}

/** The file pairs tried for one name, in order. */
function candidates(dir: string, name: string): HostPemFiles[] {
  return [
    { certPath: join(dir, `${name}.crt`), keyPath: join(dir, `${name}.key`) },
    { certPath: join(dir, name, "fullchain.pem"), keyPath: join(dir, name, "privkey.pem") },
  ];
}

function covers(certPath: string, host: string): boolean {
  try {
    return new X509Certificate(readFileSync(certPath)).checkHost(host) !== undefined;
  } catch {
    return false;
  }
}

/** The files for `host` in `dir`, or undefined when the directory has none for it. */
export function findHostCertificate(dir: string, host: string): HostPemFiles | undefined {
  for (const c of candidates(dir, host)) if (existsSync(c.certPath) && existsSync(c.keyPath)) return c;
  // conference.example.com may be served by example.com's certificate when it names it (or *.example.com).
  const dot = host.indexOf(".");
  if (dot > 0 && host.indexOf(".", dot + 1) > 0) {
    const parent = host.slice(dot + 1);
    for (const c of candidates(dir, parent))
      if (existsSync(c.certPath) && existsSync(c.keyPath) && covers(c.certPath, host)) return c;
  }
  return undefined;
}
