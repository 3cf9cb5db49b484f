// The `storage` and `sql` options: which chat store to open. As in Prosody, `storage = "internal"`
// (here: an SQLite file under data_path) or `storage = "sql"` with a `sql` table
// `{ driver = "PostgreSQL", database, host, port, username, password }`; we also take a
// `postgres://` URL (a `?schema=` parameter picks the PostgreSQL schema).
import type { Check } from "../config/validators.ts";

export type SqlConnection =
  | { readonly driver: "postgresql"; readonly url: string; readonly schema: string | undefined }
  /** A path relative to data_path, or absolute. */
  | { readonly driver: "sqlite"; readonly path: string };

const fail = (message: string) => ({ ok: false as const, message });
const KEYS = ["driver", "database", "host", "port", "username", "password", "schema"];
const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

function fromUrl(v: string) {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return fail("is not a valid URL");
  }
  if (u.protocol !== "postgres:" && u.protocol !== "postgresql:")
    return fail('must be a postgres:// URL or a table { driver = "PostgreSQL", … }');
  const schema = u.searchParams.get("schema") ?? undefined;
  if (schema !== undefined && !SCHEMA.test(schema))
    return fail("has a schema parameter that is not a lower-case SQL identifier");
  // Not a libpq parameter: the client would send it to the server as a setting.
  u.searchParams.delete("schema");
  return { ok: true as const, value: { driver: "postgresql" as const, url: u.toString(), schema } };
}

/** Validates `sql`; messages name the sub-key at fault but never echo a password. */
export const sqlOption: Check<SqlConnection> = (v) => {
  if (typeof v === "string") return fromUrl(v);
  if (typeof v !== "object" || v === null || Array.isArray(v))
    return fail('must be a table { driver = "PostgreSQL", database = … } or a postgres:// URL');
  const t = v as Record<string, unknown>;
  for (const k of Object.keys(t)) if (!KEYS.includes(k)) return fail(`has an unknown key "${k}"`);
  const str = (k: string) => (typeof t[k] === "string" && t[k] !== "" ? t[k] : undefined);
  for (const k of ["database", "host", "username", "password", "schema"])
    if (k in t && str(k) === undefined) return fail(`.${k} must be a non-empty string`);
  const database = str("database");
  if (database === undefined) return fail(".database is required");
  if (t.driver === "SQLite3") return { ok: true, value: { driver: "sqlite", path: database } };
  if (t.driver !== "PostgreSQL")
    return fail('.driver must be "PostgreSQL" or "SQLite3" (MySQL is not supported)');
  const port = t.port ?? 5432;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535)
    return fail(".port must be a whole number from 1 to 65535");
  const schema = str("schema");
  if (schema !== undefined && !SCHEMA.test(schema))
    return fail(".schema must be a lower-case SQL identifier");
  const u = new URL("postgres://localhost");
  const host = str("host") ?? "localhost";
  // A path is a Unix socket directory: libpq's convention, which the client follows via ?host=.
  if (host.startsWith("/")) u.searchParams.set("host", host);
  else u.hostname = host;
  u.port = String(port);
  u.pathname = "/" + encodeURIComponent(database);
  if (str("username") !== undefined) u.username = encodeURIComponent(str("username")!);
  if (str("password") !== undefined) u.password = encodeURIComponent(str("password")!);
  return { ok: true, value: { driver: "postgresql", url: u.toString(), schema } };
};
