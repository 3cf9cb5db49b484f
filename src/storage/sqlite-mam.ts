// MamStore in the SQLite chat store. Pages are id ranges on (account, id) or (account, with_bare, id),
// read in one transaction so the count and the page agree.
import type Database from "better-sqlite3";
import { guardSync as guard } from "../db/sqlite.ts";
import { idRange, type ArchivePrefs, type ArchiveQuery, type ArchivedMessage, type MamStore } from "./mam.ts";

interface Row {
  id: string;
  at: number;
  with_bare: string;
  stanza: string;
}

const toMessage = (r: Row): ArchivedMessage => ({ id: r.id, at: r.at, with: r.with_bare, stanza: r.stanza });

export function sqliteMam(db: Database.Database): MamStore {
  const q = {
    insert: db.prepare(
      `INSERT INTO mam_archive (account, id, at, with_bare, with_full, stanza) VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    has: db.prepare("SELECT 1 FROM mam_archive WHERE account = ? AND id = ?").pluck(),
    first: db.prepare("SELECT * FROM mam_archive WHERE account = ? ORDER BY id LIMIT 1"),
    last: db.prepare("SELECT * FROM mam_archive WHERE account = ? ORDER BY id DESC LIMIT 1"),
    expire: db.prepare(
      `DELETE FROM mam_archive WHERE rowid IN (
         SELECT rowid FROM mam_archive WHERE id < ? AND account LIKE ? ESCAPE '\\' LIMIT ?)`,
    ),
    prefs: db.prepare("SELECT policy, always, never FROM mam_prefs WHERE account = ?"),
    setPrefs: db.prepare(
      `INSERT INTO mam_prefs (account, policy, always, never) VALUES (?, ?, ?, ?)
       ON CONFLICT (account) DO UPDATE SET policy = excluded.policy, always = excluded.always,
         never = excluded.never`,
    ),
  };
  // The few query shapes (with or without a JID filter, each direction, count) prepared once each.
  const prepared = new Map<string, Database.Statement>();
  const statement = (sql: string) => {
    let s = prepared.get(sql);
    if (s === undefined) prepared.set(sql, (s = db.prepare(sql)));
    return s;
  };

  const page = (account: string, query: ArchiveQuery) => {
    for (const id of [...(query.after ?? []), ...(query.before ?? [])])
      if (q.has.get(account, id) === undefined) return undefined;
    if (query.ids !== undefined) {
      const rows = statement(
        `SELECT * FROM mam_archive WHERE account = ? AND id IN (SELECT value FROM json_each(?)) ORDER BY id`,
      ).all(account, JSON.stringify(query.ids)) as Row[];
      if (rows.length !== new Set(query.ids).size) return undefined;
      return { items: rows.map(toMessage), complete: true, count: query.count ? rows.length : undefined };
    }
    const { lo, hi, loInclusive } = idRange(query);
    const filter =
      query.with === undefined
        ? ""
        : query.withFull
          ? " AND with_bare = ? AND with_full = ?"
          : " AND with_bare = ?";
    const args: unknown[] = [account];
    if (query.with !== undefined) {
      const bare = query.with.split("/")[0] ?? query.with;
      args.push(bare);
      if (query.withFull) args.push(query.with);
    }
    const where = `account = ?${filter} AND id ${loInclusive ? ">=" : ">"} ? AND id < ?`;
    const order = query.backwards ? "DESC" : "ASC";
    const rows = statement(`SELECT * FROM mam_archive WHERE ${where} ORDER BY id ${order} LIMIT ?`).all(
      ...args,
      lo,
      hi,
      query.max + 1,
    ) as Row[];
    const complete = rows.length <= query.max;
    const items = rows.slice(0, query.max).map(toMessage);
    if (query.backwards) items.reverse();
    let count: number | undefined;
    if (query.count) {
      // The count ignores RSM's after/before: it is the size of the whole filtered set (XEP-0059 §2.6).
      const whole = idRange({ ...query, after: undefined, before: undefined });
      count = statement(`SELECT count(*) FROM mam_archive WHERE account = ?${filter} AND id >= ? AND id < ?`)
        .pluck()
        .get(...args, whole.lo, whole.hi) as number;
    }
    return { items, complete, count };
  };

  return {
    archive: (entries) =>
      guard("archive insert", () =>
        db
          .transaction(() => {
            for (const e of entries) q.insert.run(e.account, e.id, e.at, e.with, e.withFull, e.stanza);
          })
          .immediate(),
      ),
    queryArchive: (account, query) =>
      guard("archive read", () => db.transaction(() => page(account, query))()),
    archiveBounds: (account) =>
      guard("archive read", () => {
        const first = q.first.get(account) as Row | undefined;
        const last = q.last.get(account) as Row | undefined;
        return {
          ...(first === undefined ? {} : { first: toMessage(first) }),
          ...(last === undefined ? {} : { last: toMessage(last) }),
        };
      }),
    expireArchive: (domain, before, limit) =>
      guard("archive expiry", () => {
        const like = "%@" + domain.replace(/[\\%_]/g, (c) => "\\" + c);
        return q.expire.run(
          idRange({ start: before, max: 0, backwards: false, count: false }).lo,
          like,
          limit,
        ).changes;
      }),
    archivePrefs: (account) =>
      guard("archive prefs read", () => {
        const r = q.prefs.get(account) as { policy: string; always: string; never: string } | undefined;
        if (r === undefined) return undefined;
        return {
          default: r.policy as ArchivePrefs["default"],
          always: JSON.parse(r.always) as string[],
          never: JSON.parse(r.never) as string[],
        };
      }),
    setArchivePrefs: (account, prefs) =>
      guard(
        "archive prefs write",
        () =>
          void q.setPrefs.run(
            account,
            prefs.default,
            JSON.stringify(prefs.always),
            JSON.stringify(prefs.never),
          ),
      ),
  };
}
