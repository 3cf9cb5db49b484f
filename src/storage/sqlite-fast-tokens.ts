// FastTokenStore in the SQLite chat store: each change is one short immediate transaction.
import type Database from "better-sqlite3";
import { guardSync as guard } from "../db/sqlite.ts";
import {
  MAX_FAST_TOKENS_PER_ACCOUNT,
  type FastSlot,
  type FastToken,
  type FastTokenStore,
} from "./fast-tokens.ts";

interface Row {
  slot: string;
  hash: string;
  mechanism: string;
  expires_at: number | bigint;
  counter: number | bigint;
}

const toToken = (r: Row): FastToken => ({
  slot: r.slot as FastSlot,
  hash: r.hash,
  mechanism: r.mechanism,
  expiresAt: Number(r.expires_at),
  counter: Number(r.counter),
});

export function sqliteFastTokens(db: Database.Database): FastTokenStore {
  const q = {
    list: db.prepare(
      "SELECT slot, hash, mechanism, expires_at, counter FROM fast_tokens WHERE account = ? AND agent = ?",
    ),
    issue: db.prepare(
      `INSERT INTO fast_tokens (account, agent, slot, hash, mechanism, expires_at, counter)
       VALUES (?, ?, 'new', ?, ?, ?, 0)
       ON CONFLICT (account, agent, slot) DO UPDATE SET hash = excluded.hash,
         mechanism = excluded.mechanism, expires_at = excluded.expires_at, counter = 0`,
    ),
    purge: db.prepare("DELETE FROM fast_tokens WHERE account = ? AND expires_at <= ?"),
    trim: db.prepare(
      `DELETE FROM fast_tokens WHERE rowid IN (SELECT rowid FROM fast_tokens WHERE account = ?
       ORDER BY expires_at DESC LIMIT -1 OFFSET ?)`,
    ),
    find: db.prepare("SELECT slot, counter FROM fast_tokens WHERE account = ? AND agent = ? AND hash = ?"),
    dropSlot: db.prepare("DELETE FROM fast_tokens WHERE account = ? AND agent = ? AND slot = ?"),
    use: db.prepare(
      "UPDATE fast_tokens SET slot = 'current', counter = ? WHERE account = ? AND agent = ? AND hash = ?",
    ),
    revoke: db.prepare("DELETE FROM fast_tokens WHERE account = ? AND agent = ? AND hash = ?"),
    forget: db.prepare("DELETE FROM fast_tokens WHERE account = ?"),
  };
  return {
    fastTokens: (account, agent) =>
      guard("fast token read", () => (q.list.all(account, agent) as Row[]).map(toToken)),
    fastIssue: (account, agent, t) =>
      guard("fast token write", () =>
        db
          .transaction(() => {
            q.purge.run(account, Date.now());
            q.issue.run(account, agent, t.hash, t.mechanism, t.expiresAt);
            q.trim.run(account, MAX_FAST_TOKENS_PER_ACCOUNT);
          })
          .immediate(),
      ),
    fastUse: (account, agent, hash, counter) =>
      guard("fast token write", () =>
        db
          .transaction(() => {
            const row = q.find.get(account, agent, hash) as { slot: string; counter: number } | undefined;
            if (row === undefined) return false;
            if (counter !== undefined && counter <= Number(row.counter)) return false;
            if (row.slot === "new") q.dropSlot.run(account, agent, "current");
            q.use.run(counter ?? Number(row.counter), account, agent, hash);
            return true;
          })
          .immediate(),
      ),
    fastRevoke: (account, agent, hash) =>
      guard("fast token write", () => void q.revoke.run(account, agent, hash)),
    fastForget: (account) => guard("fast token write", () => void q.forget.run(account)),
  };
}
