// The `[authd]` table of a TOML configuration file: one schema with defaults, validated once, frozen.
// An error names the file and the key: `<file>: authd.<key>: <what is wrong>`.
import { isIP } from "node:net";
import { readTomlFile } from "../config/load.ts";
import { domainPrep } from "../precis/index.ts";
import { XhaError } from "../errors.ts";
import { OWASP_ARGON2ID } from "./password-hasher.ts";
import { isStoreUrl } from "./store/open.ts";
import { DEFAULT_SCRAM_ITERATIONS } from "./store-backend.ts";

/** Where the embedded defaults keep data, relative to the working directory. */
export const DEFAULT_DATA_PATH = "data";
export const EMBEDDED_CONFIG_NAME = "(embedded defaults)";

export interface AuthdConfig {
  /** Addresses to listen on. Default ["127.0.0.1"]. */
  readonly interfaces: readonly string[];
  /** TCP port; 0 picks a free one. Default 5380 (5281 is the HTTPS port of XMPP servers, ours included). */
  readonly port: number;
  /** Base path of the protocol. Default "/auth". */
  readonly path: string;
  /** `user:secret` callers must send as HTTP Basic credentials; none when absent. */
  readonly credentials?: string;
  /** `sqlite:PATH` or `postgres://…`. Default `sqlite:<dataPath>/authd.sqlite`. */
  readonly database: string;
  /** Domains (the `server` parameter) answered for. Default ["localhost"]. */
  readonly domains: readonly string[];
  readonly argon2: { readonly memoryKib: number; readonly iterations: number; readonly parallelism: number };
  /** max_failures 0 disables the lockout. Defaults 5, 1 s, 300 s. */
  readonly lockout: {
    readonly maxFailures: number;
    readonly baseSeconds: number;
    readonly maxSeconds: number;
  };
  /** Largest request body (and query string) in bytes. Default 8192. */
  readonly maxBodyBytes: number;
  /** PBKDF2 iterations of the SCRAM credentials made for get_password. Default 10,000. */
  readonly scramIterations: number;
}

/** The keys of the `[authd]` table (docs/configuration.md lists the same; a test checks). */
export const AUTHD_KEYS = [
  "interfaces",
  "port",
  "path",
  "credentials",
  "database",
  "domains",
  "argon2_memory_kib",
  "argon2_iterations",
  "argon2_parallelism",
  "lockout_max_failures",
  "lockout_base_seconds",
  "lockout_max_seconds",
  "max_body_bytes",
  "scram_iterations",
] as const;

type Raw = Record<string, unknown>;

function readers(file: string, table: Raw) {
  const fail = (key: string, what: string): never => {
    throw new XhaError("XHA_CONFIG_INVALID", `${file}: authd.${key}: ${what}`);
  };
  const int = (key: string, fallback: number, min: number, max: number): number => {
    const v = table[key];
    if (v === undefined) return fallback;
    // smol-toml gives integers as numbers (or bigint beyond 2^53).
    if (typeof v !== "number" || !Number.isInteger(v)) return fail(key, "must be an integer");
    if (v < min || v > max) return fail(key, `must be between ${min} and ${max}, not ${v}`);
    return v;
  };
  const num = (key: string, fallback: number, min: number, max: number): number => {
    const v = table[key];
    if (v === undefined) return fallback;
    if (typeof v !== "number" || !Number.isFinite(v)) return fail(key, "must be a number");
    if (v < min || v > max) return fail(key, `must be between ${min} and ${max}, not ${v}`);
    return v;
  };
  const str = (key: string): string | undefined => {
    const v = table[key];
    if (v === undefined) return undefined;
    if (typeof v !== "string") return fail(key, "must be a string");
    return v;
  };
  const strings = (key: string, fallback: readonly string[]): string[] => {
    const v = table[key];
    if (v === undefined) return [...fallback];
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string"))
      return fail(key, "must be an array of strings");
    if (v.length === 0) return fail(key, "must not be empty");
    return v as string[];
  };
  return { fail, int, num, str, strings };
}

/**
 * Validates the value of the `[authd]` table (undefined when the file has none: all defaults).
 * `file` is only used in error messages.
 */
export function parseAuthdConfig(raw: unknown, file: string, defaults: { dataPath: string }): AuthdConfig {
  if (raw === undefined) raw = {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new XhaError("XHA_CONFIG_INVALID", `${file}: authd: must be a table`);
  }
  const table = raw as Raw;
  const { fail, int, num, str, strings } = readers(file, table);
  for (const key of Object.keys(table)) {
    if (!(AUTHD_KEYS as readonly string[]).includes(key))
      fail(key, `unknown key (known: ${AUTHD_KEYS.join(", ")})`);
  }

  const interfaces = strings("interfaces", ["127.0.0.1"]);
  for (const i of interfaces)
    if (isIP(i) === 0) fail("interfaces", `not an IP address: ${JSON.stringify(i)}`);

  const path = str("path") ?? "/auth";
  if (!/^\/[A-Za-z0-9._~\-/$]*$/.test(path) || path.includes("//") || path === "/healthz") {
    fail("path", `must be an absolute URL path such as "/auth", not ${JSON.stringify(path)}`);
  }

  const credentials = str("credentials");
  if (credentials !== undefined && !/^[^:]+:.+$/.test(credentials))
    fail("credentials", 'must be "user:secret"');

  const database = str("database") ?? `sqlite:${defaults.dataPath.replace(/\/+$/, "")}/authd.sqlite`;
  if (!isStoreUrl(database)) fail("database", "must be sqlite:PATH or postgres://…");

  // The server's own RFC 7622 domain preparation, so authd and the server agree on every host name.
  const domains = strings("domains", ["localhost"]).map((d) => {
    const prepared = domainPrep(d);
    return prepared.ok ? prepared.value : fail("domains", `not a host name: ${JSON.stringify(d)}`);
  });

  const lockout = {
    maxFailures: int("lockout_max_failures", 5, 0, 1_000_000),
    baseSeconds: num("lockout_base_seconds", 1, 0.001, 86_400),
    maxSeconds: num("lockout_max_seconds", 300, 0.001, 86_400),
  };
  if (lockout.maxSeconds < lockout.baseSeconds)
    fail("lockout_max_seconds", "must not be below lockout_base_seconds");

  const argon2 = {
    memoryKib: int("argon2_memory_kib", OWASP_ARGON2ID.memoryKib, 8, 4_194_304),
    iterations: int("argon2_iterations", OWASP_ARGON2ID.iterations, 1, 100),
    parallelism: int("argon2_parallelism", OWASP_ARGON2ID.parallelism, 1, 255),
  };
  // Argon2 needs at least 8 KiB of memory per lane (RFC 9106 §3.1).
  if (argon2.memoryKib < 8 * argon2.parallelism)
    fail("argon2_memory_kib", "must be at least 8 × argon2_parallelism");

  return Object.freeze({
    interfaces: Object.freeze(interfaces),
    port: int("port", 5380, 0, 65_535),
    path: path.length > 1 ? path.replace(/\/+$/, "") : path,
    ...(credentials === undefined ? {} : { credentials }),
    database,
    domains: Object.freeze(domains),
    argon2: Object.freeze(argon2),
    lockout: Object.freeze(lockout),
    maxBodyBytes: int("max_body_bytes", 8192, 256, 1_048_576),
    // RFC 5802 §5.1 and RFC 7677 §4: at least 4096; the default follows current guidance for SHA-256.
    scramIterations: int("scram_iterations", DEFAULT_SCRAM_ITERATIONS, 4096, 10_000_000),
  });
}

/** The configuration `authd` runs with when given no file: loopback only, SQLite under `dataPath`. */
export function defaultAuthdConfig(dataPath: string = DEFAULT_DATA_PATH): AuthdConfig {
  return parseAuthdConfig({}, EMBEDDED_CONFIG_NAME, { dataPath });
}

/** Whether the service would answer on a non-loopback address without asking for credentials. */
export function isExposedWithoutCredentials(config: AuthdConfig): boolean {
  const loopback = (i: string) => i === "::1" || i.startsWith("127.");
  return config.credentials === undefined && config.interfaces.some((i) => !loopback(i));
}

/**
 * The authd configuration in a TOML file's `[authd]` table; other tables are left to their owners.
 * The file's top-level `data_path` (the server's option) is where the default SQLite store goes,
 * so one file configures both; `defaults.dataPath` applies when the file has none.
 */
export function loadAuthdConfig(path: string, defaults: { dataPath: string }): AuthdConfig {
  const doc = readTomlFile(path);
  const dataPath = typeof doc["data_path"] === "string" ? doc["data_path"] : defaults.dataPath;
  return parseAuthdConfig(doc["authd"], path, { dataPath });
}
