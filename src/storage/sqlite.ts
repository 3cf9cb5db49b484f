// The chat store in one SQLite file (better-sqlite3) in WAL mode, the embedded default. Tables carry
// a `chat_` prefix so the file (or a PostgreSQL schema) can be shared with authd's tables.
// better-sqlite3 is synchronous; each operation is one short transaction on indexed rows.
import { openSqlite, guardSync } from "../db/sqlite.ts";
import { ACCOUNT_DATA_MIGRATION, ACCOUNT_DATA_TABLES } from "./account-data.ts";
import { sqliteAccountData } from "./sqlite-account-data.ts";
import { FAST_MIGRATION, FAST_TABLES } from "./fast-tokens.ts";
import { sqliteFastTokens } from "./sqlite-fast-tokens.ts";
import { UPLOAD_MIGRATION } from "./upload.ts";
import { sqliteUpload } from "./sqlite-upload.ts";
import { PEP_MIGRATION, PEP_TABLES } from "./pep.ts";
import { sqlitePep } from "./sqlite-pep.ts";
import { MAM_TABLES, SQLITE_MAM_MIGRATION } from "./mam.ts";
import { sqliteMam } from "./sqlite-mam.ts";
import { sqliteMuc } from "./sqlite-muc.ts";
import { mucMigration } from "./muc.ts";
import { PUSH_TABLES, SQLITE_PUSH_MIGRATION } from "./push.ts";
import { sqlitePush } from "./sqlite-push.ts";
import { sameItem, type ChatStore, type RosterItem, type Subscription } from "./store.ts";

/** Migration N (1-based) brings the schema from version N-1 to N. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE chat_roster (
     account TEXT NOT NULL,
     jid TEXT NOT NULL,
     name TEXT,
     subscription TEXT NOT NULL,
     ask INTEGER NOT NULL DEFAULT 0,
     groups TEXT NOT NULL DEFAULT '[]',
     PRIMARY KEY (account, jid)
   ) WITHOUT ROWID;
   CREATE TABLE chat_roster_version (account TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID;
   CREATE TABLE chat_pending (
     account TEXT NOT NULL,
     sender TEXT NOT NULL,
     stanza TEXT NOT NULL,
     PRIMARY KEY (account, sender)
   ) WITHOUT ROWID;
   CREATE TABLE chat_offline (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     account TEXT NOT NULL,
     stanza TEXT NOT NULL
   );
   CREATE INDEX chat_offline_account ON chat_offline (account, id);`,
  ACCOUNT_DATA_MIGRATION,
  FAST_MIGRATION,
  UPLOAD_MIGRATION,
  PEP_MIGRATION,
  SQLITE_MAM_MIGRATION,
  mucMigration("INTEGER PRIMARY KEY AUTOINCREMENT"),
  SQLITE_PUSH_MIGRATION,
];

/** The schema version this program migrates to (doctor compares a database with it). */
export const SCHEMA_VERSION = MIGRATIONS.length;

interface RosterRow {
  jid: string;
  name: string | null;
  subscription: string;
  ask: number;
  groups: string;
}

function toItem(r: RosterRow): RosterItem {
  return {
    jid: r.jid,
    name: r.name ?? undefined,
    subscription: r.subscription as Subscription,
    ask: r.ask !== 0,
    groups: JSON.parse(r.groups) as string[],
  };
}

export function openSqliteChatStore(path: string): ChatStore {
  const db = openSqlite(path, { what: "chat store", versionTable: "chat_schema_version", steps: MIGRATIONS });
  const q = {
    items: db.prepare("SELECT * FROM chat_roster WHERE account = ? ORDER BY jid"),
    item: db.prepare("SELECT * FROM chat_roster WHERE account = ? AND jid = ?"),
    version: db.prepare("SELECT version FROM chat_roster_version WHERE account = ?").pluck(),
    bump: db
      .prepare(
        `INSERT INTO chat_roster_version (account, version) VALUES (?, 1)
         ON CONFLICT (account) DO UPDATE SET version = version + 1 RETURNING version`,
      )
      .pluck(),
    upsert: db.prepare(
      `INSERT INTO chat_roster (account, jid, name, subscription, ask, groups) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (account, jid) DO UPDATE SET name = excluded.name,
         subscription = excluded.subscription, ask = excluded.ask, groups = excluded.groups`,
    ),
    remove: db.prepare("DELETE FROM chat_roster WHERE account = ? AND jid = ?"),
    addPending: db.prepare(
      `INSERT INTO chat_pending (account, sender, stanza) VALUES (?, ?, ?)
       ON CONFLICT (account, sender) DO UPDATE SET stanza = excluded.stanza`,
    ),
    removePending: db.prepare("DELETE FROM chat_pending WHERE account = ? AND sender = ?"),
    hasPending: db.prepare("SELECT 1 FROM chat_pending WHERE account = ? AND sender = ?").pluck(),
    pending: db.prepare("SELECT sender, stanza FROM chat_pending WHERE account = ? ORDER BY sender"),
    countOffline: db.prepare("SELECT count(*) FROM chat_offline WHERE account = ?").pluck(),
    addOffline: db.prepare("INSERT INTO chat_offline (account, stanza) VALUES (?, ?)"),
    offline: db.prepare("SELECT stanza FROM chat_offline WHERE account = ? ORDER BY id").pluck(),
    clearOffline: db.prepare("DELETE FROM chat_offline WHERE account = ?"),
    forget: [
      "chat_roster",
      "chat_roster_version",
      "chat_pending",
      "chat_offline",
      ...ACCOUNT_DATA_TABLES,
      ...FAST_TABLES,
      ...PEP_TABLES,
      ...MAM_TABLES,
      ...PUSH_TABLES,
    ].map((table) => db.prepare(`DELETE FROM ${table} WHERE account = ?`)),
    expireUploads: db.prepare("UPDATE upload_slots SET expires = 0 WHERE owner = ?"),
    forgetMuc: db.prepare("DELETE FROM muc_affiliation WHERE jid = ?"),
  };

  const guard = guardSync;
  const version = (account: string) => (q.version.get(account) as number | undefined) ?? 0;

  return {
    kind: "sqlite",
    ...sqliteAccountData(db),
    ...sqliteUpload(db),
    ...sqlitePep(db),
    ...sqliteMam(db),
    ...sqliteMuc(db),
    ...sqlitePush(db),
    roster: (account) =>
      guard("roster read", () =>
        db.transaction(() => ({
          version: version(account),
          items: (q.items.all(account) as RosterRow[]).map(toItem),
        }))(),
      ),
    rosterItem: (account, jid) =>
      guard("roster read", () => {
        const row = q.item.get(account, jid) as RosterRow | undefined;
        return row === undefined ? undefined : toItem(row);
      }),
    rosterVersion: (account) => guard("roster read", () => version(account)),
    updateRosterItem: (account, jid, update) =>
      guard("roster update", () =>
        db
          .transaction(() => {
            const row = q.item.get(account, jid) as RosterRow | undefined;
            const before = row === undefined ? undefined : toItem(row);
            const next = update(before);
            const after = next === null ? undefined : (next ?? before);
            if (next === undefined || sameItem(before, after))
              return { before, after, version: version(account), changed: false };
            if (next === null) q.remove.run(account, jid);
            else
              q.upsert.run(
                account,
                jid,
                next.name ?? null,
                next.subscription,
                next.ask ? 1 : 0,
                JSON.stringify(next.groups),
              );
            return { before, after, version: q.bump.get(account) as number, changed: true };
          })
          .immediate(),
      ),
    addPending: (account, from, stanza) =>
      guard("pending insert", () => void q.addPending.run(account, from, stanza)),
    removePending: (account, from) =>
      guard("pending delete", () => q.removePending.run(account, from).changes > 0),
    hasPending: (account, from) => guard("pending read", () => q.hasPending.get(account, from) !== undefined),
    pending: (account) =>
      guard("pending read", () =>
        (q.pending.all(account) as { sender: string; stanza: string }[]).map((r) => ({
          from: r.sender,
          stanza: r.stanza,
        })),
      ),
    storeOffline: (account, stanza, max) =>
      guard("offline insert", () =>
        db
          .transaction(() => {
            if ((q.countOffline.get(account) as number) >= max) return false;
            q.addOffline.run(account, stanza);
            return true;
          })
          .immediate(),
      ),
    takeOffline: (account) =>
      guard("offline take", () =>
        db
          .transaction(() => {
            const rows = q.offline.all(account) as string[];
            if (rows.length > 0) q.clearOffline.run(account);
            return rows;
          })
          .immediate(),
      ),
    countOffline: (account) => guard("offline count", () => q.countOffline.get(account) as number),
    deleteAccount: (account) =>
      guard("account delete", () =>
        db
          .transaction(() => {
            for (const statement of q.forget) statement.run(account);
            q.expireUploads.run(account);
            q.forgetMuc.run(account);
          })
          .immediate(),
      ),
    close: () => {
      db.close();
      return Promise.resolve();
    },
    fastTokens: sqliteFastTokens(db),
  };
}
