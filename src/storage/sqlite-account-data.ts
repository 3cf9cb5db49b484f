// AccountDataStore in the SQLite chat store: each write is one short immediate transaction.
import type Database from "better-sqlite3";
import { guardSync as guard } from "../db/sqlite.ts";
import { byCodePoint, type AccountDataStore } from "./account-data.ts";

export function sqliteAccountData(db: Database.Database): AccountDataStore {
  const q = {
    getPrivate: db
      .prepare("SELECT xml FROM chat_private WHERE account = ? AND name = ? AND namespace = ?")
      .pluck(),
    setPrivate: db.prepare(
      `INSERT INTO chat_private (account, name, namespace, xml) VALUES (?, ?, ?, ?)
       ON CONFLICT (account, name, namespace) DO UPDATE SET xml = excluded.xml`,
    ),
    getVcard: db.prepare("SELECT xml FROM chat_vcard WHERE account = ?").pluck(),
    setVcard: db.prepare(
      `INSERT INTO chat_vcard (account, xml) VALUES (?, ?)
       ON CONFLICT (account) DO UPDATE SET xml = excluded.xml`,
    ),
    list: db.prepare("SELECT jid FROM chat_blocklist WHERE account = ?").pluck(),
    add: db.prepare("INSERT INTO chat_blocklist (account, jid) VALUES (?, ?) ON CONFLICT DO NOTHING"),
    remove: db.prepare("DELETE FROM chat_blocklist WHERE account = ? AND jid = ?"),
    has: db.prepare("SELECT 1 FROM chat_blocklist WHERE account = ? AND jid = ?").pluck(),
    blockers: db
      .prepare(
        `SELECT DISTINCT account FROM chat_blocklist
         WHERE account IN (SELECT value FROM json_each(?)) AND jid IN (SELECT value FROM json_each(?))`,
      )
      .pluck(),
  };
  const list = (account: string) => (q.list.all(account) as string[]).sort(byCodePoint);
  return {
    getPrivate: (account, name, namespace) =>
      guard("private read", () => q.getPrivate.get(account, name, namespace) as string | undefined),
    setPrivate: (account, name, namespace, xml) =>
      guard("private write", () => void q.setPrivate.run(account, name, namespace, xml)),
    getVcard: (account) => guard("vcard read", () => q.getVcard.get(account) as string | undefined),
    setVcard: (account, xml) => guard("vcard write", () => void q.setVcard.run(account, xml)),
    blocklist: (account) => guard("blocklist read", () => list(account)),
    block: (account, jids) =>
      guard("blocklist update", () =>
        db
          .transaction(() =>
            [...new Set(jids)].filter((j) => q.add.run(account, j).changes > 0).sort(byCodePoint),
          )
          .immediate(),
      ),
    unblock: (account, jids) =>
      guard("blocklist update", () =>
        db
          .transaction(() =>
            [...new Set(jids ?? list(account))]
              .filter((j) => q.remove.run(account, j).changes > 0)
              .sort(byCodePoint),
          )
          .immediate(),
      ),
    blocksAny: (account, candidates) =>
      guard("blocklist read", () => candidates.some((j) => q.has.get(account, j) !== undefined)),
    blockersAmong: (accounts, candidates) =>
      guard("blocklist read", () =>
        accounts.length === 0 || candidates.length === 0
          ? []
          : (q.blockers.all(JSON.stringify(accounts), JSON.stringify(candidates)) as string[]).sort(
              byCodePoint,
            ),
      ),
  };
}
