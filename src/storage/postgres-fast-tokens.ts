// FastTokenStore in the PostgreSQL chat store: a use locks the client's rows, so two nodes racing
// with one token (a replayed count) cannot both win.
import type postgres from "postgres";
import { guard } from "../db/postgres.ts";
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
  expires_at: string;
  counter: string;
}

const toToken = (r: Row): FastToken => ({
  slot: r.slot as FastSlot,
  hash: r.hash,
  mechanism: r.mechanism,
  expiresAt: Number(r.expires_at),
  counter: Number(r.counter),
});

export function postgresFastTokens(sql: postgres.Sql): FastTokenStore {
  return {
    fastTokens: (account, agent) =>
      guard("fast token read", async () => {
        const rows = await sql<Row[]>`
          SELECT slot, hash, mechanism, expires_at, counter FROM fast_tokens
          WHERE account = ${account} AND agent = ${agent}`;
        return rows.map(toToken);
      }),
    fastIssue: (account, agent, t) =>
      guard("fast token write", () =>
        sql.begin(async (tx) => {
          await tx`DELETE FROM fast_tokens WHERE account = ${account} AND expires_at <= ${Date.now()}`;
          await tx`
            INSERT INTO fast_tokens (account, agent, slot, hash, mechanism, expires_at, counter)
            VALUES (${account}, ${agent}, 'new', ${t.hash}, ${t.mechanism}, ${t.expiresAt}, 0)
            ON CONFLICT (account, agent, slot) DO UPDATE SET hash = excluded.hash,
              mechanism = excluded.mechanism, expires_at = excluded.expires_at, counter = 0`;
          await tx`
            DELETE FROM fast_tokens WHERE ctid IN (SELECT ctid FROM fast_tokens WHERE account = ${account}
            ORDER BY expires_at DESC OFFSET ${MAX_FAST_TOKENS_PER_ACCOUNT})`;
        }),
      ),
    fastUse: (account, agent, hash, counter) =>
      guard("fast token write", () =>
        sql.begin(async (tx) => {
          const rows = await tx<{ slot: string; hash: string; counter: string }[]>`
            SELECT slot, hash, counter FROM fast_tokens
            WHERE account = ${account} AND agent = ${agent} FOR UPDATE`;
          const row = rows.find((r) => r.hash === hash);
          if (row === undefined) return false;
          if (counter !== undefined && counter <= Number(row.counter)) return false;
          if (row.slot === "new")
            await tx`DELETE FROM fast_tokens WHERE account = ${account} AND agent = ${agent} AND slot = 'current'`;
          await tx`
            UPDATE fast_tokens SET slot = 'current', counter = ${counter ?? Number(row.counter)}
            WHERE account = ${account} AND agent = ${agent} AND hash = ${hash}`;
          return true;
        }),
      ),
    fastRevoke: (account, agent, hash) =>
      guard("fast token write", async () => {
        await sql`DELETE FROM fast_tokens WHERE account = ${account} AND agent = ${agent} AND hash = ${hash}`;
      }),
    fastForget: (account) =>
      guard("fast token write", async () => {
        await sql`DELETE FROM fast_tokens WHERE account = ${account}`;
      }),
  };
}
