// An AccountStore in one SQLite file (better-sqlite3), in WAL mode so readers never wait for the
// writer. The schema is created and migrated at open, recorded in a `schema_version` table.
// better-sqlite3 is synchronous; each statement is a short indexed lookup.
import { openSqlite, guardSync } from "../../db/sqlite.ts";
import type { AccountStore, FailureLedger } from "./store.ts";

/** Migration N (1-based) brings the schema from version N-1 to N. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE accounts (
     server TEXT NOT NULL,
     username TEXT NOT NULL,
     hash TEXT NOT NULL,
     created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
     updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
     PRIMARY KEY (server, username)
   ) WITHOUT ROWID`,
  // Failed logins per account (../lockout.ts), shared by every authd on this file; times in ms.
  `CREATE TABLE login_failures (
     server TEXT NOT NULL,
     username TEXT NOT NULL,
     failures INTEGER NOT NULL,
     lockouts INTEGER NOT NULL,
     last_failure INTEGER NOT NULL,
     locked_until INTEGER NOT NULL,
     PRIMARY KEY (server, username)
   ) WITHOUT ROWID`,
  // SCRAM credentials beside the hash (MongooseIM's serialisation), for get_password; NULL until
  // the account's next password change or successful PLAIN login.
  `ALTER TABLE accounts ADD COLUMN scram TEXT`,
];

interface FailureRow {
  failures: number;
  lockouts: number;
  last_failure: number;
  locked_until: number;
}

function sqliteLedger(db: ReturnType<typeof openSqlite>): FailureLedger {
  const read = db.prepare(
    "SELECT failures, lockouts, last_failure, locked_until FROM login_failures WHERE server = ? AND username = ?",
  );
  const write = db.prepare(
    `INSERT INTO login_failures (server, username, failures, lockouts, last_failure, locked_until)
     VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (server, username) DO UPDATE SET failures = excluded.failures,
       lockouts = excluded.lockouts, last_failure = excluded.last_failure, locked_until = excluded.locked_until`,
  );
  const forget = db.prepare("DELETE FROM login_failures WHERE server = ? AND username = ?");
  const purge = db.prepare("DELETE FROM login_failures WHERE locked_until <= ? AND last_failure < ?");
  const locked = db.prepare(
    "SELECT server, username, locked_until FROM login_failures WHERE locked_until > ? ORDER BY locked_until",
  );
  // BEGIN IMMEDIATE takes the file's write lock first: another process's step waits (busy_timeout).
  const step = db.transaction(
    (server: string, username: string, fn: Parameters<FailureLedger["step"]>[2]) => {
      const row = read.get(server, username) as FailureRow | undefined;
      const record =
        row === undefined
          ? undefined
          : {
              failures: row.failures,
              lockouts: row.lockouts,
              lastFailure: row.last_failure,
              lockedUntil: row.locked_until,
            };
      const r = fn(record, Date.now());
      const e = r.entry;
      if (r.allowed) write.run(server, username, e.failures, e.lockouts, e.lastFailure, e.lockedUntil);
      return r.allowed;
    },
  );
  return {
    step: (server, username, fn) => guardSync("lockout", () => step.immediate(server, username, fn)),
    forget: (server, username) => guardSync("lockout", () => void forget.run(server, username)),
    purge: (windowMs) =>
      guardSync("lockout", () => {
        const now = Date.now();
        purge.run(now, now - windowMs);
      }),
    locked: () =>
      guardSync("lockout", () =>
        (locked.all(Date.now()) as { server: string; username: string; locked_until: number }[]).map((r) => ({
          server: r.server,
          username: r.username,
          lockedUntil: r.locked_until,
        })),
      ),
  };
}
/** The schema version this program migrates to (doctor compares a database with it). */
export const SCHEMA_VERSION = MIGRATIONS.length;

export function openSqliteStore(path: string): AccountStore {
  const db = openSqlite(path, { what: "store", versionTable: "schema_version", steps: MIGRATIONS });
  const getHash = db.prepare("SELECT hash FROM accounts WHERE server = ? AND username = ?").pluck();
  const insert = db.prepare(
    "INSERT INTO accounts (server, username, hash, scram) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
  );
  const getScram = db.prepare("SELECT scram FROM accounts WHERE server = ? AND username = ?");
  const setPassword = db.prepare(
    "UPDATE accounts SET hash = ?, scram = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE server = ? AND username = ?",
  );
  const addScram = db.prepare("UPDATE accounts SET scram = ? WHERE server = ? AND username = ? AND hash = ?");
  const update = db.prepare(
    "UPDATE accounts SET hash = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE server = ? AND username = ?",
  );
  const updateIf = db.prepare(
    "UPDATE accounts SET hash = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE server = ? AND username = ? AND hash = ?",
  );
  const remove = db.prepare("DELETE FROM accounts WHERE server = ? AND username = ?");
  const list = db.prepare("SELECT username FROM accounts WHERE server = ? ORDER BY username").pluck();

  const guard = guardSync;

  return {
    getHash: (server, username) => guard("read", () => getHash.get(server, username) as string | undefined),
    create: (server, username, hash, scram) =>
      guard("insert", () => insert.run(server, username, hash, scram ?? null).changes === 1),
    setPassword: (server, username, hash, scram) =>
      guard("update", () => setPassword.run(hash, scram, server, username).changes === 1),
    getScram: (server, username) =>
      guard("read", () => {
        const row = getScram.get(server, username) as { scram: string | null } | undefined;
        return row === undefined ? undefined : row.scram;
      }),
    addScram: (server, username, scram, expected) =>
      guard("update", () => addScram.run(scram, server, username, expected).changes === 1),
    updateHash: (server, username, hash, expected) =>
      guard(
        "update",
        () =>
          (expected === undefined
            ? update.run(hash, server, username)
            : updateIf.run(hash, server, username, expected)
          ).changes === 1,
      ),
    delete: (server, username) => guard("delete", () => remove.run(server, username).changes === 1),
    list: (server) => guard("list", () => list.all(server) as string[]),
    exists: (server, username) => guard("read", () => getHash.get(server, username) !== undefined),
    ping: () => guard("ping", () => void db.prepare("SELECT 1").get()),
    failures: sqliteLedger(db),
    close: () =>
      guard("close", () => {
        if (db.open) db.close();
      }),
  };
}
