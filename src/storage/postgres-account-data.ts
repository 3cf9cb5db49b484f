// AccountDataStore in the PostgreSQL chat store. Blocklist changes run in one transaction each;
// upserts make concurrent writers of one key end with one of the values, never an error.
import type postgres from "postgres";
import { guard } from "../db/postgres.ts";
import { byCodePoint, type AccountDataStore } from "./account-data.ts";

export function postgresAccountData(sql: postgres.Sql): AccountDataStore {
  return {
    getPrivate: (account, name, namespace) =>
      guard("private read", async () => {
        const [row] = await sql<{ xml: string }[]>`
          SELECT xml FROM chat_private
          WHERE account = ${account} AND name = ${name} AND namespace = ${namespace}`;
        return row?.xml;
      }),
    setPrivate: (account, name, namespace, xml) =>
      guard("private write", async () => {
        await sql`
          INSERT INTO chat_private (account, name, namespace, xml)
          VALUES (${account}, ${name}, ${namespace}, ${xml})
          ON CONFLICT (account, name, namespace) DO UPDATE SET xml = excluded.xml`;
      }),
    getVcard: (account) =>
      guard("vcard read", async () => {
        const [row] = await sql<{ xml: string }[]>`SELECT xml FROM chat_vcard WHERE account = ${account}`;
        return row?.xml;
      }),
    setVcard: (account, xml) =>
      guard("vcard write", async () => {
        await sql`
          INSERT INTO chat_vcard (account, xml) VALUES (${account}, ${xml})
          ON CONFLICT (account) DO UPDATE SET xml = excluded.xml`;
      }),
    blocklist: (account) =>
      guard("blocklist read", async () => {
        const rows = await sql<{ jid: string }[]>`SELECT jid FROM chat_blocklist WHERE account = ${account}`;
        return rows.map((r) => r.jid).sort(byCodePoint);
      }),
    block: (account, jids) =>
      guard("blocklist update", async () => {
        if (jids.length === 0) return [];
        const rows = await sql<{ jid: string }[]>`
          INSERT INTO chat_blocklist (account, jid)
          SELECT ${account}, j FROM unnest(${sql.array([...new Set(jids)])}::text[]) AS j
          ON CONFLICT DO NOTHING RETURNING jid`;
        return rows.map((r) => r.jid).sort(byCodePoint);
      }),
    unblock: (account, jids) =>
      guard("blocklist update", async () => {
        const rows =
          jids === undefined
            ? await sql<{ jid: string }[]>`
                DELETE FROM chat_blocklist WHERE account = ${account} RETURNING jid`
            : await sql<{ jid: string }[]>`
                DELETE FROM chat_blocklist
                WHERE account = ${account} AND jid = ANY(${sql.array([...jids])}::text[]) RETURNING jid`;
        return rows.map((r) => r.jid).sort(byCodePoint);
      }),
    blocksAny: (account, candidates) =>
      guard("blocklist read", async () => {
        if (candidates.length === 0) return false;
        const rows = await sql`
          SELECT 1 FROM chat_blocklist
          WHERE account = ${account} AND jid = ANY(${sql.array([...candidates])}::text[]) LIMIT 1`;
        return rows.length > 0;
      }),
    blockersAmong: (accounts, candidates) =>
      guard("blocklist read", async () => {
        if (accounts.length === 0 || candidates.length === 0) return [];
        const rows = await sql<{ account: string }[]>`
          SELECT DISTINCT account FROM chat_blocklist
          WHERE account = ANY(${sql.array([...accounts])}::text[])
            AND jid = ANY(${sql.array([...candidates])}::text[])`;
        return rows.map((r) => r.account).sort(byCodePoint);
      }),
  };
}
