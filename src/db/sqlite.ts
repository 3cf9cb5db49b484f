// Opens one SQLite file (better-sqlite3) in WAL mode, so readers never wait for the writer, and
// brings its schema up to date in one immediate transaction.
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { XhaError } from "../errors.ts";
import { newerSchemaMessage, type Migrations } from "./migrations.ts";

function migrate(db: Database.Database, m: Migrations): void {
  db.exec(`CREATE TABLE IF NOT EXISTS ${m.versionTable} (version INTEGER NOT NULL)`);
  db.transaction(() => {
    const row = db.prepare(`SELECT max(version) AS v FROM ${m.versionTable}`).get() as { v: number | null };
    const from = row.v ?? 0;
    if (from > m.steps.length) throw new XhaError("XHA_STORE", newerSchemaMessage(m, from));
    const record = db.prepare(`INSERT INTO ${m.versionTable} (version) VALUES (?)`);
    for (let v = from + 1; v <= m.steps.length; v++) {
      db.exec(m.steps[v - 1] ?? "");
      record.run(v);
    }
  }).immediate();
}

/**
 * The files hold password hashes and messages: a directory we create is 0700 and a new database
 * file 0600 (SQLite gives its -wal, -shm and -journal files the database file's mode). Existing
 * files and directories keep the mode their operator gave them.
 */
function createPrivate(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(path, "wx", 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
}

export function openSqlite(path: string, m: Migrations): Database.Database {
  try {
    if (path !== ":memory:") createPrivate(path);
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    db.pragma("busy_timeout = 5000");
    migrate(db, m);
    return db;
  } catch (err) {
    if (err instanceof XhaError) throw err;
    throw new XhaError("XHA_STORE", `cannot open SQLite ${m.what} ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * Runs a synchronous statement as a promise (the stores' interfaces are async for PostgreSQL);
 * driver errors become XHA_STORE so callers can tell a store failure from a programming mistake.
 */
export function guardSync<T>(what: string, fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(
      new XhaError("XHA_STORE", `SQLite ${what} failed: ${(err as Error).message}`, { cause: err }),
    );
  }
}
