// An AccountStore in PostgreSQL through porsager's `postgres` client (a connection pool). Same
// schema as the SQLite store, in a configurable schema (tests use one per run), created and
// migrated at open under an advisory lock so several authd instances can start together.
import { guard, openPostgres } from "../../db/postgres.ts";
import type { AccountStore, FailureLedger } from "./store.ts";

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
  // Failed logins per account (../lockout.ts), shared by every authd on this database; times in ms.
  `CREATE TABLE login_failures (
     server TEXT NOT NULL,
     username TEXT NOT NULL,
     failures INTEGER NOT NULL,
     lockouts INTEGER NOT NULL,
     last_failure BIGINT NOT NULL,
     locked_until BIGINT NOT NULL,
     PRIMARY KEY (server, username)
   )`,
  // SCRAM credentials beside the hash (MongooseIM's serialisation), for get_password; NULL until
  // the account's next password change or successful PLAIN login.
  `ALTER TABLE accounts ADD COLUMN scram TEXT`,
];

// The database's clock, in ms: one clock for every authd process, whatever their machines say.
const NOW_MS = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

function postgresLedger(sql: Awaited<ReturnType<typeof openPostgres>>): FailureLedger {
  return {
    step: (server, username, fn) =>
      guard("lockout", () =>
        sql.begin(async (tx) => {
          // The row exists first, so that FOR UPDATE has something to lock even on a first attempt;
          // an all-zero record is stale, the same as none.
          await tx`INSERT INTO login_failures (server, username, failures, lockouts, last_failure, locked_until)
            VALUES (${server}, ${username}, 0, 0, 0, 0) ON CONFLICT DO NOTHING`;
          const [row] = await tx.unsafe<
            { failures: number; lockouts: number; last_failure: string; locked_until: string; now: string }[]
          >(
            `SELECT failures, lockouts, last_failure, locked_until, ${NOW_MS} AS now FROM login_failures
             WHERE server = $1 AND username = $2 FOR UPDATE`,
            [server, username],
          );
          if (row === undefined) throw new Error("the login_failures row vanished");
          const r = fn(
            {
              failures: row.failures,
              lockouts: row.lockouts,
              lastFailure: Number(row.last_failure),
              lockedUntil: Number(row.locked_until),
            },
            Number(row.now),
          );
          const e = r.entry;
          if (r.allowed)
            await tx`UPDATE login_failures SET failures = ${e.failures}, lockouts = ${e.lockouts},
              last_failure = ${e.lastFailure}, locked_until = ${e.lockedUntil}
              WHERE server = ${server} AND username = ${username}`;
          return r.allowed;
        }),
      ),
    forget: (server, username) =>
      guard("lockout", async () => {
        await sql`DELETE FROM login_failures WHERE server = ${server} AND username = ${username}`;
      }),
    purge: (windowMs) =>
      guard("lockout", async () => {
        await sql.unsafe(
          `DELETE FROM login_failures WHERE locked_until <= ${NOW_MS} AND last_failure < ${NOW_MS} - $1`,
          [windowMs],
        );
      }),
    locked: () =>
      guard("lockout", async () => {
        const rows = await sql.unsafe<{ server: string; username: string; locked_until: string }[]>(
          `SELECT server, username, locked_until FROM login_failures WHERE locked_until > ${NOW_MS}
           ORDER BY locked_until`,
        );
        return rows.map((r) => ({
          server: r.server,
          username: r.username,
          lockedUntil: Number(r.locked_until),
        }));
      }),
  };
}
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
    create: (server, username, hash, scram) =>
      guard("insert", async () => {
        const r = await sql`
          INSERT INTO accounts (server, username, hash, scram)
          VALUES (${server}, ${username}, ${hash}, ${scram ?? null})
          ON CONFLICT DO NOTHING`;
        return r.count === 1;
      }),
    setPassword: (server, username, hash, scram) =>
      guard("update", async () => {
        const r = await sql`UPDATE accounts SET hash = ${hash}, scram = ${scram}, updated_at = now()
          WHERE server = ${server} AND username = ${username}`;
        return r.count === 1;
      }),
    getScram: (server, username) =>
      guard("read", async () => {
        const rows = await sql<{ scram: string | null }[]>`
          SELECT scram FROM accounts WHERE server = ${server} AND username = ${username}`;
        return rows[0] === undefined ? undefined : rows[0].scram;
      }),
    addScram: (server, username, scram, expected) =>
      guard("update", async () => {
        const r = await sql`UPDATE accounts SET scram = ${scram}
          WHERE server = ${server} AND username = ${username} AND hash = ${expected}`;
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
    failures: postgresLedger(sql),
    close: () => sql.end({ timeout: 5 }),
  };
}
