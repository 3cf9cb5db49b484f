// An AccountStore in one SQLite file (better-sqlite3), in WAL mode so readers never wait for the
// writer. The schema is created and migrated at open, recorded in a `schema_version` table.
// better-sqlite3 is synchronous; each statement is a short indexed lookup.
import { openSqlite, guardSync } from "../../db/sqlite.ts";
import type { AccountStore } from "./store.ts";

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
];

/** The schema version this program migrates to (doctor compares a database with it). */
export const SCHEMA_VERSION = MIGRATIONS.length;

export function openSqliteStore(path: string): AccountStore {
  const db = openSqlite(path, { what: "store", versionTable: "schema_version", steps: MIGRATIONS });
  const getHash = db.prepare("SELECT hash FROM accounts WHERE server = ? AND username = ?").pluck();
  const insert = db.prepare(
    "INSERT INTO accounts (server, username, hash) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
  );
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
    create: (server, username, hash) =>
      guard("insert", () => insert.run(server, username, hash).changes === 1),
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
    close: () =>
      guard("close", () => {
        if (db.open) db.close();
      }),
  };
}
