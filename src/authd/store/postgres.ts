// An AccountStore in PostgreSQL through porsager's `postgres` client (a connection pool). Same
// schema as the SQLite store, in a configurable schema (tests use one per run), created and
// migrated at open under an advisory lock so several authd instances can start together.
import { guard, openPostgres } from "../../db/postgres.ts";
import type { AccountStore } from "./store.ts";

export interface PostgresStoreOptions {
  /** The schema holding the tables; created if missing. Default `public`. */
  readonly schema?: string;
  /** Pool size. Default 10. */
  readonly max?: number;
}

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

/** The schema version this program migrates to (doctor compares a database with it). */
export const SCHEMA_VERSION = MIGRATIONS.length;

export async function openPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<AccountStore> {
  const sql = await openPostgres(
    url,
    { what: "store", versionTable: "schema_version", steps: MIGRATIONS, migrationLock: MIGRATION_LOCK },
    options,
  );

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
