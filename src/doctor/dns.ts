// doctor: what clients find in DNS for each host: the SRV records of RFC 6120 §3.2.1
// (_xmpp-client._tcp) and XEP-0368 (_xmpps-client._tcp), and A/AAAA records (RFC 6120 §3.2.2, the
// fallback). Where no DNS server answers at all, the checks are skipped with a note, not failed.
import { isIP } from "node:net";
import { finding, type Finding } from "./finding.ts";

export interface SrvRecord {
  readonly name: string;
  readonly port: number;
}

/** The part of node:dns/promises' Resolver that doctor uses (injected in tests). */
export interface DnsResolver {
  resolveSrv(name: string): Promise<SrvRecord[]>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
  resolveNs(name: string): Promise<string[]>;
}

/** Codes meaning "no DNS server answered", as opposed to an answer that there is no record. */
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ETIMEOUT",
  "EREFUSED",
  "ECANCELLED",
  "EAI_AGAIN",
  "ECONNRESET",
]);
const NO_RECORD = new Set(["ENODATA", "ENOTFOUND"]);

type Lookup<T> = { ok: true; value: T } | { ok: false; code: string };

async function lookup<T>(fn: () => Promise<T>): Promise<Lookup<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return { ok: false, code: (err as NodeJS.ErrnoException).code ?? "EUNKNOWN" };
  }
}

export interface DnsInput {
  readonly hosts: readonly string[];
  readonly c2sPorts: readonly number[];
  readonly directTlsPorts: readonly number[];
  readonly resolver: DnsResolver;
}

function srvFinding(
  host: string,
  service: string,
  r: Lookup<SrvRecord[]>,
  ports: readonly number[],
): Finding {
  const name = `${service}.${host}`;
  if (!r.ok) {
    if (NO_RECORD.has(r.code))
      return service === "_xmpp-client._tcp"
        ? finding(
            ports.length > 0 ? "warn" : "ok",
            "dns",
            `${name}: no SRV record (clients fall back to ${host}:5222)`,
          )
        : finding("ok", "dns", `${name}: no SRV record (direct TLS is found only through one)`);
    return finding("fail", "dns", `${name}: lookup failed (${r.code})`);
  }
  const shown = r.value.map((s) => `${s.name}:${s.port}`).join(", ");
  const stray = r.value.filter((s) => !ports.includes(s.port));
  return stray.length === 0
    ? finding("ok", "dns", `${name} → ${shown}`)
    : finding(
        "warn",
        "dns",
        `${name} → ${shown}: port ${stray.map((s) => s.port).join(", ")} is not one this server listens on`,
      );
}

export async function checkDns(input: DnsInput): Promise<Finding[]> {
  const names = input.hosts.filter((h) => h !== "localhost" && !h.endsWith(".localhost") && isIP(h) === 0);
  if (names.length === 0) return [finding("skip", "dns", "no public host names to look up")];
  // The root zone always has NS records: a resolver that cannot give them (no server, or a sandbox
  // answering "not found" to everything) cannot say anything about the hosts either.
  const root = await lookup(() => input.resolver.resolveNs("."));
  if (!root.ok || root.value.length === 0) {
    const why =
      !root.ok && UNREACHABLE.has(root.code)
        ? "no DNS server answered"
        : "DNS does not resolve the root zone";
    return [
      finding("skip", "dns", `${why} (${root.ok ? "no records" : root.code}): SRV and A/AAAA not checked`),
    ];
  }
  const out: Finding[] = [];
  for (const host of names) {
    const client = await lookup(() => input.resolver.resolveSrv(`_xmpp-client._tcp.${host}`));
    if (!client.ok && UNREACHABLE.has(client.code)) {
      return [finding("skip", "dns", `no DNS server answered (${client.code}): SRV and A/AAAA not checked`)];
    }
    out.push(srvFinding(host, "_xmpp-client._tcp", client, input.c2sPorts));
    const direct = await lookup(() => input.resolver.resolveSrv(`_xmpps-client._tcp.${host}`));
    out.push(srvFinding(host, "_xmpps-client._tcp", direct, input.directTlsPorts));
    // The addresses clients connect to: the SRV targets, or the host itself without SRV.
    const targets =
      client.ok && client.value.length > 0 ? [...new Set(client.value.map((s) => s.name))] : [host];
    for (const target of targets) {
      const [a, aaaa] = await Promise.all([
        lookup(() => input.resolver.resolve4(target)),
        lookup(() => input.resolver.resolve6(target)),
      ]);
      const addresses = [...(a.ok ? a.value : []), ...(aaaa.ok ? aaaa.value : [])];
      out.push(
        addresses.length > 0
          ? finding("ok", "dns", `${target} → ${addresses.join(", ")}`)
          : finding("fail", "dns", `${target}: no A or AAAA record; clients cannot find the server`),
      );
    }
  }
  return out;
}
