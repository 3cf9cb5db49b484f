// Opens a pool on PostgreSQL (porsager's `postgres` client) with every connection in the store's
// schema, and brings the schema up to date under an advisory lock, so several processes can start
// together on one database.
import postgres from "postgres";
import { XhaError } from "../errors.ts";
import { newerSchemaMessage, type Migrations } from "./migrations.ts";
import { safeUrl } from "../safe-url.ts";

export interface PostgresOptions {
  /** The schema holding the tables; created if missing. Default `public`. */
  readonly schema?: string | undefined;
  /** Pool size. Default 10. */
  readonly max?: number | undefined;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Wraps a driver failure as XHA_STORE, naming the operation (never the query's values). */
export function storeError(what: string, err: unknown): XhaError {
  if (err instanceof XhaError) return err;
  return new XhaError("XHA_STORE", `PostgreSQL ${what} failed: ${(err as Error).message}`, { cause: err });
}

export async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw storeError(what, err);
  }
}

export async function openPostgres(
  url: string,
  m: Migrations & { readonly migrationLock: number },
  options: PostgresOptions = {},
): Promise<postgres.Sql> {
  const schema = options.schema ?? "public";
  if (!IDENTIFIER.test(schema)) throw new XhaError("XHA_STORE", `invalid PostgreSQL schema name: ${schema}`);
  const sql = postgres(url, {
    max: options.max ?? 10,
    connect_timeout: 10,
    onnotice: () => {},
    // Every pooled connection resolves the unqualified table names in our schema.
    connection: { search_path: schema },
  });
  try {
    await sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${m.migrationLock})`;
      await tx`CREATE SCHEMA IF NOT EXISTS ${sql(schema)}`;
      await tx.unsafe(`CREATE TABLE IF NOT EXISTS ${m.versionTable} (version INTEGER NOT NULL)`);
      const [row] = await tx.unsafe<{ v: number | null }[]>(
        `SELECT max(version) AS v FROM ${m.versionTable}`,
      );
      const from = row?.v ?? 0;
      if (from > m.steps.length) throw new XhaError("XHA_STORE", newerSchemaMessage(m, from));
      for (let v = from + 1; v <= m.steps.length; v++) {
        await tx.unsafe(m.steps[v - 1] ?? "");
        await tx.unsafe(`INSERT INTO ${m.versionTable} (version) VALUES ($1)`, [v]);
      }
    });
    return sql;
  } catch (err) {
    await sql.end({ timeout: 1 });
    if (err instanceof XhaError) throw err;
    throw new XhaError(
      "XHA_STORE",
      `cannot open PostgreSQL ${m.what} ${safeUrl(url)}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}
