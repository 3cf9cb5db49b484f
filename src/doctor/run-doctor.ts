// `doctor` (Prosody's `prosodyctl check`): every check an operator would otherwise make by hand
// before opening the server to users, one finding per line. Read-only: it binds ports only to
// release them, runs the checker without writes, and opens stores read-only.
import { readFileSync } from "node:fs";
import { Resolver } from "node:dns/promises";
import { isAbsolute, join } from "node:path";
import { parseAuthdConfig, type AuthdConfig } from "../authd/config.ts";
import { SCHEMA_VERSION as AUTHD_PG_VERSION } from "../authd/store/postgres.ts";
import { SCHEMA_VERSION as AUTHD_SQLITE_VERSION } from "../authd/store/sqlite.ts";
import { parseServerConfig, readTomlFile, type ServerConfig } from "../config/load.ts";
import { SCHEMA_VERSION as CHAT_PG_VERSION } from "../storage/postgres.ts";
import { SCHEMA_VERSION as CHAT_SQLITE_VERSION } from "../storage/sqlite.ts";
import { INTERNAL_STORE_FILE } from "../storage/open.ts";
import { checkAuthApi } from "./auth-api.ts";
import { checkCertificates } from "./certificates.ts";
import { checkDns, type DnsResolver } from "./dns.ts";
import { finding, type Finding } from "./finding.ts";
import { checkPorts } from "./ports.ts";
import { checkRedis, checkStore, locationOf, type VersionedStore } from "./storage.ts";

export interface DoctorDeps {
  /** Injected in tests; a resolver with a short timeout otherwise. */
  readonly resolver?: DnsResolver;
  /** Extra trusted roots for the chain check (NODE_EXTRA_CA_CERTS's file, as Node itself trusts). */
  readonly extraCaFile?: string | undefined;
}

function defaultResolver(): DnsResolver {
  return new Resolver({ timeout: 2000, tries: 1 });
}

function chatStore(config: ServerConfig): VersionedStore {
  const g = config.global;
  const base = { what: "chat store", versionTable: "chat_schema_version" };
  if (g.storage === "sql" && g.sql?.driver === "postgresql")
    return {
      ...base,
      location: { kind: "postgres", url: g.sql.url, schema: g.sql.schema ?? "public" },
      expected: CHAT_PG_VERSION,
    };
  const path =
    g.storage === "sql" && g.sql !== undefined && g.sql.driver !== "postgresql"
      ? isAbsolute(g.sql.path)
        ? g.sql.path
        : join(g.data_path, g.sql.path)
      : join(g.data_path, INTERNAL_STORE_FILE);
  return { ...base, location: { kind: "sqlite", path }, expected: CHAT_SQLITE_VERSION };
}

function authdStore(authd: AuthdConfig): VersionedStore {
  const location = locationOf(authd.database);
  return {
    what: "account store (authd)",
    location,
    versionTable: "schema_version",
    expected: location.kind === "sqlite" ? AUTHD_SQLITE_VERSION : AUTHD_PG_VERSION,
  };
}

function readExtraRoots(file: string | undefined): string[] {
  if (file === undefined || file === "") return [];
  try {
    return [readFileSync(file, "utf8")];
  } catch {
    return [];
  }
}

export async function runDoctor(file: string, deps: DoctorDeps = {}): Promise<Finding[]> {
  let raw: Record<string, unknown>;
  let config: ServerConfig;
  try {
    raw = readTomlFile(file);
    config = parseServerConfig(raw, file);
  } catch (err) {
    return [finding("fail", "config", (err as Error).message)];
  }
  const hosts = [...config.hosts.keys()];
  const out: Finding[] = [
    finding("ok", "config", `${file}: valid, ${hosts.length} host(s): ${hosts.join(", ")}`),
  ];
  let authd: AuthdConfig | undefined;
  if (config.tables["authd"] !== undefined) {
    try {
      authd = parseAuthdConfig(config.tables["authd"], file, { dataPath: config.global.data_path });
      out.push(
        finding("ok", "config", `[authd]: valid, port ${authd.port}, domains ${authd.domains.join(", ")}`),
      );
    } catch (err) {
      out.push(finding("fail", "config", (err as Error).message));
    }
  }
  const g = config.global;
  out.push(
    ...checkCertificates({
      certificate: g.certificate,
      key: g.key,
      dataPath: g.data_path,
      hosts,
      extraRoots: readExtraRoots(deps.extraCaFile),
    }),
  );
  out.push(
    ...(await checkDns({
      hosts,
      c2sPorts: g.c2s_ports,
      directTlsPorts: g.c2s_direct_tls_ports,
      resolver: deps.resolver ?? defaultResolver(),
    })),
  );
  const ports: [string, number][] = [
    ...g.c2s_ports.map((p) => ["c2s", p] as [string, number]),
    ...g.c2s_direct_tls_ports.map((p) => ["c2s_direct_tls", p] as [string, number]),
    ...g.http_ports.map((p) => ["http", p] as [string, number]),
    ...g.https_ports.map((p) => ["https", p] as [string, number]),
  ];
  out.push(...(await checkPorts({ interfaces: g.interfaces, ports })));
  out.push(...(await Promise.all([...config.hosts].map(([host, options]) => checkAuthApi(host, options)))));
  out.push(await checkStore(chatStore(config)));
  if (authd !== undefined) out.push(await checkStore(authdStore(authd)));
  // `[cluster] redis`: checked when this version's schema has it (else the config was refused above).
  const cluster = raw["cluster"] as { redis?: unknown } | undefined;
  if (typeof cluster?.redis === "string") out.push(await checkRedis(cluster.redis));
  else out.push(finding("skip", "redis", "no [cluster] redis configured"));
  return out;
}
