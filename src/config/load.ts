// Configuration: read the TOML file once at start-up, validate every key against the schema, merge
// host overrides over global defaults, and freeze. An error names the file and the key.
import { readFileSync } from "node:fs";
import { parse as parseToml } from "smol-toml";
import { XhaError } from "../errors.ts";
import { domainPrep } from "../precis/index.ts";
import { parseClusterTable, type ClusterOptions } from "../cluster/config.ts";
import type { ComponentConfig } from "../components/component.ts";
import { parseComponentTables } from "../components/config.ts";
import { isTable } from "./validators.ts";
import { COMPONENT_MODULES, type AnyComponentModule } from "../components/registry.ts";
import {
  GLOBAL_OPTIONS,
  HOST_OPTIONS,
  OTHER_TABLES,
  type GlobalOptions,
  type HostOptions,
} from "./schema.ts";

export interface ServerConfig {
  readonly file: string;
  readonly global: GlobalOptions;
  /** Per virtual host, in file order; keys are prepared domain names. */
  readonly hosts: ReadonlyMap<string, HostOptions>;
  /** The [cluster] table; undefined: one node on its own, Redis never touched. */
  readonly cluster: ClusterOptions | undefined;
  /** [components."domain"] tables by prepared domain (Prosody's Component lines), validated. */
  readonly components: ReadonlyMap<string, ComponentConfig>;
  /** Raw tables owned by other components (e.g. `authd`), validated by them. */
  readonly tables: Readonly<Record<string, unknown>>;
}

type Raw = Record<string, unknown>;

function invalid(file: string, key: string, message: string): XhaError {
  return new XhaError("XHA_CONFIG_INVALID", `${file}: ${key} ${message}`);
}

function pick<O>(
  specs: {
    readonly [K in keyof O]: {
      check: (v: unknown) => { ok: true; value: O[K] } | { ok: false; message: string };
      default: O[K];
    };
  },
  sources: { raw: Raw; prefix: string }[],
  file: string,
): O {
  const out = {} as Record<string, unknown>;
  for (const key of Object.keys(specs) as (keyof O & string)[]) {
    const spec = specs[key];
    let value: unknown = spec.default;
    for (const { raw, prefix } of sources) {
      if (!(key in raw)) continue;
      const r = spec.check(raw[key]);
      if (!r.ok) throw invalid(file, prefix + key, r.message);
      value = r.value;
    }
    out[key] =
      Object.isFrozen(value) || typeof value !== "object" || value === null ? value : Object.freeze(value);
  }
  return Object.freeze(out) as O;
}

/** Levenshtein distance, for "did you mean" on a mistyped key. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

function closest(key: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = 3; // suggest only near misses
  for (const k of known) {
    const d = distance(key, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best === undefined ? "" : ` (did you mean "${best}"?)`;
}

/** Validates an already-parsed TOML document. `file` names the source in error messages. */
export function parseServerConfig(
  doc: Raw,
  file: string,
  componentModules: ReadonlyMap<string, AnyComponentModule> = COMPONENT_MODULES,
): ServerConfig {
  const globalKeys = Object.keys(GLOBAL_OPTIONS);
  const hostKeys = Object.keys(HOST_OPTIONS);
  for (const key of Object.keys(doc)) {
    if (
      globalKeys.includes(key) ||
      hostKeys.includes(key) ||
      (OTHER_TABLES as readonly string[]).includes(key)
    )
      continue;
    throw invalid(file, key, `is not a known option${closest(key, [...globalKeys, ...hostKeys])}`);
  }
  const global = pick<GlobalOptions>(GLOBAL_OPTIONS, [{ raw: doc, prefix: "" }], file);
  if ((global.certificate === undefined) !== (global.key === undefined)) {
    throw invalid(
      file,
      global.certificate === undefined ? "certificate" : "key",
      "must be set together with the other of certificate/key",
    );
  }

  if (global.storage === "sql" && global.sql === undefined)
    throw invalid(file, "sql", 'is required when storage = "sql"');

  const rawHosts = doc.hosts ?? {};
  if (!isTable(rawHosts)) throw invalid(file, "hosts", 'must be a table of [hosts."example.com"] tables');
  const hosts = new Map<string, HostOptions>();
  for (const [name, raw] of Object.entries(rawHosts)) {
    const prefix = `hosts."${name}".`;
    if (!isTable(raw)) throw invalid(file, `hosts."${name}"`, "must be a table");
    const prepared = domainPrep(name);
    if (!prepared.ok) throw invalid(file, `hosts."${name}"`, `is not a valid host name: ${prepared.reason}`);
    if (hosts.has(prepared.value))
      throw invalid(file, `hosts."${name}"`, "is the same host as another entry");
    for (const key of Object.keys(raw)) {
      if (hostKeys.includes(key)) continue;
      const where = globalKeys.includes(key)
        ? " (it is a server-wide option: set it at the top level)"
        : closest(key, hostKeys);
      throw invalid(file, prefix + key, `is not a per-host option${where}`);
    }
    const opts = pick<HostOptions>(
      HOST_OPTIONS,
      [
        { raw: doc, prefix: "" },
        { raw, prefix },
      ],
      file,
    );
    if (opts.authentication === "http" && opts.http_auth_url === undefined) {
      throw invalid(file, prefix + "http_auth_url", 'is required when authentication = "http"');
    }
    if (opts.http_auth_cache_stale_if_error > 0 && opts.http_auth_cache_ttl === 0) {
      throw invalid(
        file,
        prefix + "http_auth_cache_stale_if_error",
        "needs http_auth_cache_ttl > 0 (only cached logins can be accepted while the API fails)",
      );
    }
    if (opts.sasl2_fast && !opts.c2s_sasl2) {
      throw invalid(
        file,
        prefix + "sasl2_fast",
        "needs c2s_sasl2 = true (FAST tokens are a SASL2 feature, XEP-0484)",
      );
    }
    hosts.set(prepared.value, opts);
  }
  if (hosts.size === 0)
    throw invalid(file, "hosts", 'must define at least one host, e.g. [hosts."example.com"]');

  let cluster: ClusterOptions | undefined;
  if (doc.cluster !== undefined) {
    if (!isTable(doc.cluster))
      throw invalid(file, "cluster", 'must be a table: [cluster] redis = "redis://…"');
    cluster = parseClusterTable(doc.cluster, (key, message) => invalid(file, key, message));
    // Every node must see every other node's rosters and offline messages: one shared database.
    if (global.storage !== "sql" || global.sql?.driver !== "postgresql")
      throw invalid(
        file,
        "storage",
        'must be "sql" with PostgreSQL when [cluster] is set: the nodes share rosters and offline messages, and an SQLite file belongs to one process',
      );
  }

  const components = parseComponentTables(
    doc.components,
    new Set(hosts.keys()),
    componentModules,
    (key, message) => invalid(file, key, message),
  );

  const tables: Raw = {};
  for (const t of OTHER_TABLES)
    if (t !== "hosts" && t !== "cluster" && t !== "components" && t in doc) tables[t] = doc[t];
  return Object.freeze({ file, global, hosts, cluster, components, tables: Object.freeze(tables) });
}

export function readTomlFile(file: string): Raw {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new XhaError(
      "XHA_CONFIG_UNREADABLE",
      `${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  try {
    return parseToml(text);
  } catch (err) {
    const msg = (err instanceof Error ? (err.message.split("\n")[0] ?? "") : String(err)).replace(
      /^Invalid TOML document: /,
      "",
    );
    // The position, so the operator can go straight to the mistake.
    const { line, column } = err as { line?: unknown; column?: unknown };
    const at =
      typeof line === "number" && typeof column === "number" ? ` at line ${line}, column ${column}` : "";
    throw new XhaError("XHA_CONFIG_UNREADABLE", `${file}: not valid TOML${at}: ${msg}`);
  }
}

export function loadServerConfig(file: string): ServerConfig {
  return parseServerConfig(readTomlFile(file), file);
}
