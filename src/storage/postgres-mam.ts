// MamStore in the PostgreSQL chat store. Pages are id ranges on (account, id) or (account, with_bare,
// id) (ids are COLLATE "C": byte order is time order); a page and its count share one snapshot.
import type postgres from "postgres";
import { guard } from "../db/postgres.ts";
import { idRange, type ArchivePrefs, type ArchiveQuery, type ArchivedMessage, type MamStore } from "./mam.ts";

interface Row {
  id: string;
  at: string;
  with_bare: string;
  stanza: string;
}

const toMessage = (r: Row): ArchivedMessage => ({
  id: r.id,
  at: Number(r.at),
  with: r.with_bare,
  stanza: r.stanza,
});

type Sql = postgres.Sql | postgres.TransactionSql;

async function page(tx: Sql, account: string, query: ArchiveQuery) {
  const bounds = [...(query.after ?? []), ...(query.before ?? [])];
  if (bounds.length > 0) {
    const found = await tx<{ id: string }[]>`
      SELECT id FROM mam_archive WHERE account = ${account} AND id = ANY(${tx.array(bounds)}::text[])`;
    if (new Set(found.map((r) => r.id)).size !== new Set(bounds).size) return undefined;
  }
  if (query.ids !== undefined) {
    const rows = await tx<Row[]>`
      SELECT id, at, with_bare, stanza FROM mam_archive
      WHERE account = ${account} AND id = ANY(${tx.array([...query.ids])}::text[]) ORDER BY id`;
    if (rows.length !== new Set(query.ids).size) return undefined;
    return { items: rows.map(toMessage), complete: true, count: query.count ? rows.length : undefined };
  }
  const bare = query.with?.split("/")[0];
  const filter =
    query.with === undefined
      ? tx``
      : query.withFull
        ? tx`AND with_bare = ${bare ?? ""} AND with_full = ${query.with}`
        : tx`AND with_bare = ${bare ?? ""}`;
  const { lo, hi, loInclusive } = idRange(query);
  const lower = loInclusive ? tx`id >= ${lo}` : tx`id > ${lo}`;
  const rows = query.backwards
    ? await tx<Row[]>`
        SELECT id, at, with_bare, stanza FROM mam_archive
        WHERE account = ${account} ${filter} AND ${lower} AND id < ${hi}
        ORDER BY id DESC LIMIT ${query.max + 1}`
    : await tx<Row[]>`
        SELECT id, at, with_bare, stanza FROM mam_archive
        WHERE account = ${account} ${filter} AND ${lower} AND id < ${hi}
        ORDER BY id ASC LIMIT ${query.max + 1}`;
  const items = rows.slice(0, query.max).map(toMessage);
  if (query.backwards) items.reverse();
  let count: number | undefined;
  if (query.count) {
    // The size of the whole filtered set, without RSM's after/before (XEP-0059 §2.6).
    const whole = idRange({ ...query, after: undefined, before: undefined });
    const [c] = await tx<{ n: string }[]>`
      SELECT count(*) AS n FROM mam_archive
      WHERE account = ${account} ${filter} AND id >= ${whole.lo} AND id < ${whole.hi}`;
    count = Number(c?.n ?? 0);
  }
  return { items, complete: rows.length <= query.max, count };
}

export function postgresMam(sql: postgres.Sql): MamStore {
  return {
    archive: (entries) =>
      guard("archive insert", async () => {
        if (entries.length === 0) return;
        const rows = entries.map((e) => ({
          account: e.account,
          id: e.id,
          at: e.at,
          with_bare: e.with,
          with_full: e.withFull,
          stanza: e.stanza,
        }));
        await sql`INSERT INTO mam_archive ${sql(rows)}`;
      }),
    queryArchive: (account, query) =>
      guard("archive read", () =>
        query.count
          ? sql.begin("ISOLATION LEVEL REPEATABLE READ READ ONLY", (tx) => page(tx, account, query))
          : page(sql, account, query),
      ),
    archiveBounds: (account) =>
      guard("archive read", async () => {
        const [first] = await sql<Row[]>`
          SELECT id, at, with_bare, stanza FROM mam_archive WHERE account = ${account} ORDER BY id LIMIT 1`;
        const [last] = await sql<Row[]>`
          SELECT id, at, with_bare, stanza FROM mam_archive WHERE account = ${account} ORDER BY id DESC LIMIT 1`;
        return {
          ...(first === undefined ? {} : { first: toMessage(first) }),
          ...(last === undefined ? {} : { last: toMessage(last) }),
        };
      }),
    expireArchive: (domain, before, limit) =>
      guard("archive expiry", async () => {
        const like = "%@" + domain.replace(/[\\%_]/g, (c) => "\\" + c);
        const lo = idRange({ start: before, max: 0, backwards: false, count: false }).lo;
        const r = await sql`
          DELETE FROM mam_archive WHERE ctid IN (
            SELECT ctid FROM mam_archive WHERE id < ${lo} AND account LIKE ${like} LIMIT ${limit})`;
        return r.count;
      }),
    archivePrefs: (account) =>
      guard("archive prefs read", async () => {
        const [r] = await sql<{ policy: string; always: string[]; never: string[] }[]>`
          SELECT policy, always, never FROM mam_prefs WHERE account = ${account}`;
        if (r === undefined) return undefined;
        return { default: r.policy as ArchivePrefs["default"], always: r.always, never: r.never };
      }),
    setArchivePrefs: (account, prefs) =>
      guard("archive prefs write", async () => {
        await sql`
          INSERT INTO mam_prefs (account, policy, always, never)
          VALUES (${account}, ${prefs.default}, ${sql.json([...prefs.always])}, ${sql.json([...prefs.never])})
          ON CONFLICT (account) DO UPDATE SET policy = excluded.policy, always = excluded.always,
            never = excluded.never`;
      }),
  };
}
