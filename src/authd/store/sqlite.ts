// An AccountStore in one SQLite file (better-sqlite3), in WAL mode so readers never wait for the
// writer. The schema is created and migrated at open, recorded in a `schema_version` table.
// better-sqlite3 is synchronous; each statement is a short indexed lookup.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { XhaError } from "../../errors.ts";
import { SCHEMA_VERSION, type AccountStore } from "./store.ts";

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

function migrate(db: Database.Database): void {
  db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  db.transaction(() => {
    const row = db.prepare("SELECT max(version) AS v FROM schema_version").get() as { v: number | null };
    const from = row.v ?? 0;
    if (from > SCHEMA_VERSION) {
      throw new XhaError(
        "XHA_STORE",
        `store schema version ${from} is newer than this program's (${SCHEMA_VERSION})`,
      );
    }
    for (let v = from + 1; v <= SCHEMA_VERSION; v++) {
      db.exec(MIGRATIONS[v - 1]!);
      db.prepare("INSERT INTO schema_version (version) VALUES (?)").run(v);
    }
  }).immediate();
}

export function openSqliteStore(path: string): AccountStore {
  let db: Database.Database;
  try {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    db.pragma("journal_mode = WAL");
    db.pragma("busy_timeout = 5000");
    migrate(db);
  } catch (err) {
    if (err instanceof XhaError) throw err;
    throw new XhaError("XHA_STORE", `cannot open SQLite store ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
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

  // Driver errors become XHA_STORE so callers can tell a store failure from a programming mistake.
  const guard = <T>(what: string, fn: () => T): Promise<T> => {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(
        new XhaError("XHA_STORE", `SQLite ${what} failed: ${(err as Error).message}`, { cause: err }),
      );
    }
  };

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
