// The chat store in PostgreSQL through porsager's `postgres` client (a pool). Several server
// processes may share it: every read-modify-write runs in one transaction holding an advisory lock
// on the account, so concurrent updates of one roster or offline queue are serialised by the
// database, not by this process. Schema created and migrated at open under a global advisory lock.
import type postgres from "postgres";
import { guard, openPostgres } from "../db/postgres.ts";
import { ACCOUNT_DATA_MIGRATION, ACCOUNT_DATA_TABLES } from "./account-data.ts";
import { FAST_MIGRATION, FAST_TABLES } from "./fast-tokens.ts";
import { postgresFastTokens } from "./postgres-fast-tokens.ts";
import { postgresAccountData } from "./postgres-account-data.ts";
import { UPLOAD_MIGRATION } from "./upload.ts";
import { postgresUpload } from "./postgres-upload.ts";
import { PEP_MIGRATION, PEP_TABLES } from "./pep.ts";
import { postgresPep } from "./postgres-pep.ts";
import { MAM_TABLES, POSTGRES_MAM_MIGRATION } from "./mam.ts";
import { postgresMam } from "./postgres-mam.ts";
import { postgresMuc } from "./postgres-muc.ts";
import { mucMigration } from "./muc.ts";
import { POSTGRES_PUSH_MIGRATION, PUSH_TABLES } from "./push.ts";
import { postgresPush } from "./postgres-push.ts";
import { sameItem, type ChatStore, type RosterItem, type Subscription } from "./store.ts";

export interface PostgresChatStoreOptions {
  /** The schema holding the tables; created if missing. Default `public`. */
  readonly schema?: string | undefined;
  /** Pool size. Default 10. */
  readonly max?: number;
}

/** Arbitrary constants naming this store's advisory locks (migration; per-account). */
const MIGRATION_LOCK = 0x7868_6163;
const ACCOUNT_LOCK_CLASS = 0x7868;

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE chat_roster (
     account TEXT NOT NULL,
     jid TEXT NOT NULL,
     name TEXT,
     subscription TEXT NOT NULL,
     ask BOOLEAN NOT NULL DEFAULT false,
     groups JSONB NOT NULL DEFAULT '[]',
     PRIMARY KEY (account, jid)
   );
   CREATE TABLE chat_roster_version (account TEXT PRIMARY KEY, version BIGINT NOT NULL);
   CREATE TABLE chat_pending (
     account TEXT NOT NULL,
     sender TEXT NOT NULL,
     stanza TEXT NOT NULL,
     PRIMARY KEY (account, sender)
   );
   CREATE TABLE chat_offline (
     id BIGSERIAL PRIMARY KEY,
     account TEXT NOT NULL,
     stanza TEXT NOT NULL
   );
   CREATE INDEX chat_offline_account ON chat_offline (account, id);`,
  ACCOUNT_DATA_MIGRATION,
  FAST_MIGRATION,
  UPLOAD_MIGRATION,
  PEP_MIGRATION,
  POSTGRES_MAM_MIGRATION,
  mucMigration("BIGSERIAL PRIMARY KEY"),
  POSTGRES_PUSH_MIGRATION,
];

/** The schema version this program migrates to (doctor compares a database with it). */
export const SCHEMA_VERSION = MIGRATIONS.length;

interface RosterRow {
  jid: string;
  name: string | null;
  subscription: string;
  ask: boolean;
  groups: string[];
}

function toItem(r: RosterRow): RosterItem {
  return {
    jid: r.jid,
    name: r.name ?? undefined,
    subscription: r.subscription as Subscription,
    ask: r.ask,
    groups: r.groups,
  };
}

export async function openPostgresChatStore(
  url: string,
  options: PostgresChatStoreOptions = {},
): Promise<ChatStore> {
  const sql = await openPostgres(
    url,
    {
      what: "chat store",
      versionTable: "chat_schema_version",
      steps: MIGRATIONS,
      migrationLock: MIGRATION_LOCK,
    },
    options,
  );
  type Tx = postgres.TransactionSql;
  const lockAccount = (tx: Tx, account: string) =>
    tx`SELECT pg_advisory_xact_lock(${ACCOUNT_LOCK_CLASS}, hashtext(${account}))`;
  const versionOf = async (tx: Tx | postgres.Sql, account: string) => {
    const [row] = await tx<{ version: string }[]>`
      SELECT version FROM chat_roster_version WHERE account = ${account}`;
    return row === undefined ? 0 : Number(row.version);
  };

  return {
    kind: "postgresql",
    ...postgresAccountData(sql),
    ...postgresUpload(sql),
    ...postgresPep(sql),
    ...postgresMam(sql),
    ...postgresMuc(sql),
    ...postgresPush(sql),
    roster: (account) =>
      guard("roster read", () =>
        sql.begin("ISOLATION LEVEL REPEATABLE READ", async (tx) => {
          const version = await versionOf(tx, account);
          const rows = await tx<RosterRow[]>`
            SELECT * FROM chat_roster WHERE account = ${account} ORDER BY jid COLLATE "C"`;
          return { version, items: rows.map(toItem) };
        }),
      ),
    rosterItem: (account, jid) =>
      guard("roster read", async () => {
        const [row] = await sql<RosterRow[]>`
          SELECT * FROM chat_roster WHERE account = ${account} AND jid = ${jid}`;
        return row === undefined ? undefined : toItem(row);
      }),
    rosterVersion: (account) => guard("roster read", () => versionOf(sql, account)),
    updateRosterItem: (account, jid, update) =>
      guard("roster update", () =>
        sql.begin(async (tx) => {
          await lockAccount(tx, account);
          const [row] = await tx<RosterRow[]>`
            SELECT * FROM chat_roster WHERE account = ${account} AND jid = ${jid}`;
          const before = row === undefined ? undefined : toItem(row);
          const next = update(before);
          const after = next === null ? undefined : (next ?? before);
          if (next === undefined || sameItem(before, after))
            return { before, after, version: await versionOf(tx, account), changed: false };
          if (next === null) await tx`DELETE FROM chat_roster WHERE account = ${account} AND jid = ${jid}`;
          else
            await tx`
              INSERT INTO chat_roster (account, jid, name, subscription, ask, groups)
              VALUES (${account}, ${jid}, ${next.name ?? null}, ${next.subscription}, ${next.ask},
                      ${tx.json([...next.groups])})
              ON CONFLICT (account, jid) DO UPDATE SET name = excluded.name,
                subscription = excluded.subscription, ask = excluded.ask, groups = excluded.groups`;
          const [v] = await tx<{ version: string }[]>`
            INSERT INTO chat_roster_version (account, version) VALUES (${account}, 1)
            ON CONFLICT (account) DO UPDATE SET version = chat_roster_version.version + 1
            RETURNING version`;
          return { before, after, version: Number(v!.version), changed: true };
        }),
      ),
    addPending: (account, from, stanza) =>
      guard("pending insert", async () => {
        await sql`
          INSERT INTO chat_pending (account, sender, stanza) VALUES (${account}, ${from}, ${stanza})
          ON CONFLICT (account, sender) DO UPDATE SET stanza = excluded.stanza`;
      }),
    removePending: (account, from) =>
      guard("pending delete", async () => {
        const r = await sql`DELETE FROM chat_pending WHERE account = ${account} AND sender = ${from}`;
        return r.count > 0;
      }),
    hasPending: (account, from) =>
      guard("pending read", async () => {
        const rows = await sql`SELECT 1 FROM chat_pending WHERE account = ${account} AND sender = ${from}`;
        return rows.length > 0;
      }),
    pending: (account) =>
      guard("pending read", async () => {
        const rows = await sql<{ sender: string; stanza: string }[]>`
          SELECT sender, stanza FROM chat_pending WHERE account = ${account} ORDER BY sender COLLATE "C"`;
        return rows.map((r) => ({ from: r.sender, stanza: r.stanza }));
      }),
    storeOffline: (account, stanza, max) =>
      guard("offline insert", () =>
        sql.begin(async (tx) => {
          await lockAccount(tx, account);
          const [c] = await tx<{ n: string }[]>`
            SELECT count(*) AS n FROM chat_offline WHERE account = ${account}`;
          if (Number(c?.n ?? 0) >= max) return false;
          await tx`INSERT INTO chat_offline (account, stanza) VALUES (${account}, ${stanza})`;
          return true;
        }),
      ),
    takeOffline: (account) =>
      guard("offline take", async () => {
        // One DELETE … RETURNING: a row is returned to exactly one of two concurrent callers.
        const rows = await sql<{ id: string; stanza: string }[]>`
          DELETE FROM chat_offline WHERE account = ${account} RETURNING id, stanza`;
        // int8 arrives as a string; BigInt compares it exactly.
        return [...rows]
          .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0))
          .map((r) => r.stanza);
      }),
    countOffline: (account) =>
      guard("offline count", async () => {
        const [c] = await sql<{ n: string }[]>`
          SELECT count(*) AS n FROM chat_offline WHERE account = ${account}`;
        return Number(c?.n ?? 0);
      }),
    deleteAccount: (account) =>
      guard("account delete", () =>
        sql.begin(async (tx) => {
          await lockAccount(tx, account);
          await tx`DELETE FROM chat_roster WHERE account = ${account}`;
          await tx`DELETE FROM chat_roster_version WHERE account = ${account}`;
          await tx`DELETE FROM chat_pending WHERE account = ${account}`;
          await tx`DELETE FROM chat_offline WHERE account = ${account}`;
          for (const table of ACCOUNT_DATA_TABLES)
            await tx`DELETE FROM ${tx(table)} WHERE account = ${account}`;
          for (const table of FAST_TABLES) await tx`DELETE FROM ${tx(table)} WHERE account = ${account}`;
          await tx`UPDATE upload_slots SET expires = 0 WHERE owner = ${account}`;
          for (const table of PEP_TABLES) await tx`DELETE FROM ${tx(table)} WHERE account = ${account}`;
          for (const table of MAM_TABLES) await tx`DELETE FROM ${tx(table)} WHERE account = ${account}`;
          await tx`DELETE FROM muc_affiliation WHERE jid = ${account}`;
          for (const table of PUSH_TABLES) await tx`DELETE FROM ${tx(table)} WHERE account = ${account}`;
        }),
      ),
    close: () => sql.end({ timeout: 5 }),
    fastTokens: postgresFastTokens(sql),
  };
}
