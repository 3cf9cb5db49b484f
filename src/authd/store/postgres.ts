// An AccountStore in PostgreSQL through porsager's `postgres` client (a connection pool). Same
// schema as the SQLite store, in a configurable schema (tests use one per run), created and
// migrated at open under an advisory lock so several authd instances can start together.
import postgres from "postgres";
import { XhaError } from "../../errors.ts";
import { SCHEMA_VERSION, type AccountStore } from "./store.ts";

export interface PostgresStoreOptions {
  /** The schema holding the tables; created if missing. Default `public`. */
  readonly schema?: string;
  /** Pool size. Default 10. */
  readonly max?: number;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
/** An arbitrary constant identifying authd's migration lock. */
const MIGRATION_LOCK = 0x7868_6164;

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE accounts (
     server TEXT NOT NULL,
     username TEXT NOT NULL,
     hash TEXT NOT NULL,
     created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
     updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
     PRIMARY KEY (server, username)
   )`,
];

function storeError(what: string, err: unknown): XhaError {
  return new XhaError("XHA_STORE", `PostgreSQL ${what} failed: ${(err as Error).message}`, { cause: err });
}

/** Redacts the password of a connection URL for messages. */
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable URL)";
  }
}

export async function openPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<AccountStore> {
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
      await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
      await tx`CREATE SCHEMA IF NOT EXISTS ${sql(schema)}`;
      await tx`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`;
      const [row] = await tx<{ v: number | null }[]>`SELECT max(version) AS v FROM schema_version`;
      const from = row?.v ?? 0;
      if (from > SCHEMA_VERSION) {
        throw new XhaError(
          "XHA_STORE",
          `store schema version ${from} is newer than this program's (${SCHEMA_VERSION})`,
        );
      }
      for (let v = from + 1; v <= SCHEMA_VERSION; v++) {
        await tx.unsafe(MIGRATIONS[v - 1]!);
        await tx`INSERT INTO schema_version (version) VALUES (${v})`;
      }
    });
  } catch (err) {
    await sql.end({ timeout: 1 });
    if (err instanceof XhaError) throw err;
    throw new XhaError(
      "XHA_STORE",
      `cannot open PostgreSQL store ${safeUrl(url)}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }

  const guard = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw storeError(what, err);
    }
  };

  return {
    getHash: (server, username) =>
      guard("read", async () => {
        const rows = await sql<{ hash: string }[]>`
          SELECT hash FROM accounts WHERE server = ${server} AND username = ${username}`;
        return rows[0]?.hash;
      }),
    create: (server, username, hash) =>
      guard("insert", async () => {
        const r = await sql`
          INSERT INTO accounts (server, username, hash) VALUES (${server}, ${username}, ${hash})
          ON CONFLICT DO NOTHING`;
        return r.count === 1;
      }),
    updateHash: (server, username, hash, expected) =>
      guard("update", async () => {
        const r =
          expected === undefined
            ? await sql`UPDATE accounts SET hash = ${hash}, updated_at = now()
                WHERE server = ${server} AND username = ${username}`
            : await sql`UPDATE accounts SET hash = ${hash}, updated_at = now()
                WHERE server = ${server} AND username = ${username} AND hash = ${expected}`;
        return r.count === 1;
      }),
    delete: (server, username) =>
      guard("delete", async () => {
        const r = await sql`DELETE FROM accounts WHERE server = ${server} AND username = ${username}`;
        return r.count === 1;
      }),
    list: (server) =>
      guard("list", async () => {
        // COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
        const rows = await sql<{ username: string }[]>`
          SELECT username FROM accounts WHERE server = ${server} ORDER BY username COLLATE "C"`;
        return rows.map((r) => r.username);
      }),
    exists: (server, username) =>
      guard("read", async () => {
        const rows = await sql`SELECT 1 FROM accounts WHERE server = ${server} AND username = ${username}`;
        return rows.length === 1;
      }),
    ping: () =>
      guard("ping", async () => {
        await sql`SELECT 1`;
      }),
    close: () => sql.end({ timeout: 5 }),
  };
}
