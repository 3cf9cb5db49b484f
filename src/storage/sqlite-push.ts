// PushStore in the SQLite chat store: an enable is one immediate transaction (upsert, then trim).
import type Database from "better-sqlite3";
import { guardSync as guard } from "../db/sqlite.ts";
import type { PushRegistration, PushStore } from "./push.ts";

export function sqlitePush(db: Database.Database): PushStore {
  const q = {
    list: db.prepare("SELECT jid, node, options FROM push_registrations WHERE account = ? ORDER BY seq"),
    remove: db.prepare("DELETE FROM push_registrations WHERE account = ? AND jid = ? AND node = ?"),
    removeAll: db.prepare("DELETE FROM push_registrations WHERE account = ? AND jid = ?"),
    add: db.prepare("INSERT INTO push_registrations (account, jid, node, options) VALUES (?, ?, ?, ?)"),
    trim: db.prepare(
      `DELETE FROM push_registrations WHERE account = ? AND seq NOT IN
         (SELECT seq FROM push_registrations WHERE account = ? ORDER BY seq DESC LIMIT ?)`,
    ),
  };
  return {
    pushRegistrations: (account) => guard("push read", () => q.list.all(account) as PushRegistration[]),
    addPushRegistration: (account, r, max) =>
      guard("push write", () =>
        db
          .transaction(() => {
            q.remove.run(account, r.jid, r.node);
            q.add.run(account, r.jid, r.node, r.options);
            q.trim.run(account, account, max);
          })
          .immediate(),
      ),
    removePushRegistrations: (account, jid, node) =>
      guard("push write", () =>
        node === undefined ? q.removeAll.run(account, jid).changes : q.remove.run(account, jid, node).changes,
      ),
  };
}
