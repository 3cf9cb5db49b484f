// doctor: the certificate clients will see (RFC 6125 §6 for the names, RFC 5280 §6 for the chain):
// it parses, is in its validity period (and not about to leave it), names every host, matches its
// key, and each certificate of the chain is signed by the next, up to a trusted root.
import { X509Certificate, createPrivateKey } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { rootCertificates } from "node:tls";
import { finding, type Finding } from "./finding.ts";

const DAY_MS = 86_400_000;
/** Let's Encrypt renews 30 days ahead; under 14 days left something is wrong with the renewal. */
const WARN_DAYS = 14;

export interface CertificateInput {
  readonly certificate: string | undefined;
  readonly key: string | undefined;
  readonly dataPath: string;
  readonly hosts: readonly string[];
  /** Extra trusted roots (PEM), e.g. the file NODE_EXTRA_CA_CERTS names. */
  readonly extraRoots?: readonly string[];
  readonly now?: number;
}

function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

function trustedBy(cert: X509Certificate, roots: readonly X509Certificate[]): X509Certificate | undefined {
  return roots.find((r) => cert.checkIssued(r) && cert.verify(r.publicKey));
}

function checkChain(chain: X509Certificate[], extraRoots: readonly string[], area: string): Finding {
  for (let i = 0; i + 1 < chain.length; i++) {
    const [cert, next] = [chain[i]!, chain[i + 1]!];
    if (!cert.checkIssued(next) || !cert.verify(next.publicKey))
      return finding(
        "fail",
        area,
        `chain: certificate ${i + 1} is not signed by certificate ${i + 2} in the file`,
      );
  }
  const last = chain[chain.length - 1]!;
  if (last.checkIssued(last) && last.verify(last.publicKey) && chain.length === 1)
    return finding("warn", area, "chain: self-signed; clients must be told to trust it");
  const roots = [...rootCertificates, ...extraRoots].map((p) => new X509Certificate(p));
  if (trustedBy(last, roots) !== undefined || roots.some((r) => r.fingerprint256 === last.fingerprint256))
    return finding("ok", area, `chain: ${chain.length} certificate(s), ending at a trusted root`);
  return finding(
    "fail",
    area,
    `chain: the issuer of "${last.subject.replace(/\n/g, ", ")}" is not a trusted root; is the intermediate missing (use fullchain.pem)?`,
  );
}

export function checkCertificates(input: CertificateInput): Finding[] {
  const now = input.now ?? Date.now();
  let certPath = input.certificate;
  let keyPath = input.key;
  const out: Finding[] = [];
  if (certPath === undefined || keyPath === undefined) {
    certPath = join(input.dataPath, "certs", "selfsigned.crt");
    keyPath = join(input.dataPath, "certs", "selfsigned.key");
    if (!existsSync(certPath))
      return [
        finding(
          "warn",
          "certificate",
          "none configured: a self-signed one is generated at start (set certificate and key)",
        ),
      ];
    out.push(finding("warn", "certificate", `none configured: using the self-signed ${certPath}`));
  }
  const area = "certificate";
  let chain: X509Certificate[];
  let keyPem: string;
  try {
    chain = splitPem(readFileSync(certPath, "utf8")).map((p) => new X509Certificate(p));
    keyPem = readFileSync(keyPath, "utf8");
  } catch (err) {
    return [...out, finding("fail", area, `cannot read ${certPath} / ${keyPath}: ${(err as Error).message}`)];
  }
  const leaf = chain[0];
  if (leaf === undefined) return [...out, finding("fail", area, `${certPath}: no PEM certificate in it`)];
  const from = Date.parse(leaf.validFrom);
  const to = Date.parse(leaf.validTo);
  const days = Math.floor((to - now) / DAY_MS);
  if (now < from) out.push(finding("fail", area, `${certPath}: not valid before ${leaf.validFrom}`));
  else if (now >= to) out.push(finding("fail", area, `${certPath}: expired on ${leaf.validTo}`));
  else if (days < WARN_DAYS)
    out.push(
      finding("warn", area, `${certPath}: expires in ${days} days (${leaf.validTo}); is renewal running?`),
    );
  else out.push(finding("ok", area, `${certPath}: valid until ${leaf.validTo} (${days} days)`));
  for (const host of input.hosts) {
    out.push(
      leaf.checkHost(host) !== undefined
        ? finding("ok", area, `names ${host}`)
        : finding(
            "fail",
            area,
            `does not name ${host} (subject alt names: ${leaf.subjectAltName ?? "none"})`,
          ),
    );
  }
  try {
    out.push(
      leaf.checkPrivateKey(createPrivateKey(keyPem))
        ? finding("ok", area, `${keyPath} matches the certificate`)
        : finding("fail", area, `${keyPath} is not the key of ${certPath}`),
    );
  } catch (err) {
    out.push(finding("fail", area, `${keyPath}: not a private key (${(err as Error).message})`));
  }
  out.push(checkChain(chain, input.extraRoots ?? [], area));
  return out;
}
