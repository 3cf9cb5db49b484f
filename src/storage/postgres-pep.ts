// PepStore in the PostgreSQL chat store. Writes to a node run in one transaction holding an
// advisory lock on (account, node), so concurrent publishers on several server processes get
// distinct `seq` values and max_items is enforced exactly.
import type postgres from "postgres";
import { guard } from "../db/postgres.ts";
import { byCodePoint } from "./account-data.ts";
import type { PepItem, PepLastItem, PepNode, PepStore } from "./pep.ts";

/** An arbitrary constant naming the per-node advisory locks. */
const NODE_LOCK_CLASS = 0x7065;

export function postgresPep(sql: postgres.Sql): PepStore {
  type Tx = postgres.TransactionSql;
  const lock = (tx: Tx, account: string, node: string) =>
    tx`SELECT pg_advisory_xact_lock(${NODE_LOCK_CLASS}, hashtext(${account + "\n" + node}))`;
  const accountLock = (tx: Tx, account: string) =>
    tx`SELECT pg_advisory_xact_lock(${NODE_LOCK_CLASS}, hashtext(${account}))`;
  const trim = (tx: Tx, account: string, node: string, max: number) => tx`
    DELETE FROM pep_item WHERE account = ${account} AND node = ${node} AND seq NOT IN (
      SELECT seq FROM pep_item WHERE account = ${account} AND node = ${node}
      ORDER BY seq DESC LIMIT ${Math.max(0, max)})`;
  const exists = async (tx: Tx | postgres.Sql, account: string, node: string) =>
    (await tx`SELECT 1 FROM pep_node WHERE account = ${account} AND node = ${node}`).length > 0;
  return {
    pepNode: (account, node) =>
      guard("pep read", async () => {
        const [row] = await sql<PepNode[]>`
          SELECT node, config FROM pep_node WHERE account = ${account} AND node = ${node}`;
        return row === undefined ? undefined : { node: row.node, config: row.config };
      }),
    pepNodes: (account) =>
      guard("pep read", async () => {
        const rows = await sql<PepNode[]>`SELECT node, config FROM pep_node WHERE account = ${account}`;
        return rows
          .map((r) => ({ node: r.node, config: r.config }))
          .sort((a, b) => byCodePoint(a.node, b.node));
      }),
    pepCreate: (account, node, config, maxNodes) =>
      guard("pep create", () =>
        sql.begin(async (tx) => {
          await accountLock(tx, account);
          if (await exists(tx, account, node)) return "exists" as const;
          const [c] = await tx<
            { n: string }[]
          >`SELECT count(*) AS n FROM pep_node WHERE account = ${account}`;
          if (Number(c?.n ?? 0) >= maxNodes) return "full" as const;
          await tx`INSERT INTO pep_node (account, node, config) VALUES (${account}, ${node}, ${config})`;
          return "created" as const;
        }),
      ),
    pepConfigure: (account, node, config, maxItems) =>
      guard("pep configure", () =>
        sql.begin(async (tx) => {
          await lock(tx, account, node);
          const r =
            await tx`UPDATE pep_node SET config = ${config} WHERE account = ${account} AND node = ${node}`;
          if (r.count === 0) return false;
          await trim(tx, account, node, maxItems);
          return true;
        }),
      ),
    pepDelete: (account, node) =>
      guard("pep delete", () =>
        sql.begin(async (tx) => {
          await lock(tx, account, node);
          await tx`DELETE FROM pep_item WHERE account = ${account} AND node = ${node}`;
          const r = await tx`DELETE FROM pep_node WHERE account = ${account} AND node = ${node}`;
          return r.count > 0;
        }),
      ),
    pepPurge: (account, node) =>
      guard("pep purge", () =>
        sql.begin(async (tx) => {
          await lock(tx, account, node);
          if (!(await exists(tx, account, node))) return false;
          await tx`DELETE FROM pep_item WHERE account = ${account} AND node = ${node}`;
          return true;
        }),
      ),
    pepPublish: (account, node, item, maxItems) =>
      guard("pep publish", () =>
        sql.begin(async (tx) => {
          await lock(tx, account, node);
          if (!(await exists(tx, account, node))) return false;
          await tx`
            INSERT INTO pep_item (account, node, id, seq, xml)
            SELECT ${account}, ${node}, ${item.id}, coalesce(max(seq), 0) + 1, ${item.xml}
              FROM pep_item WHERE account = ${account} AND node = ${node}
            ON CONFLICT (account, node, id) DO UPDATE SET seq = excluded.seq, xml = excluded.xml`;
          await trim(tx, account, node, maxItems);
          return true;
        }),
      ),
    pepRetract: (account, node, id) =>
      guard("pep retract", async () => {
        const r =
          await sql`DELETE FROM pep_item WHERE account = ${account} AND node = ${node} AND id = ${id}`;
        return r.count > 0;
      }),
    pepItems: (account, node, opts = {}) =>
      guard("pep read", async () => {
        if (opts.ids !== undefined) {
          const rows = await sql<(PepItem & { seq: string })[]>`
            SELECT id, xml, seq FROM pep_item
            WHERE account = ${account} AND node = ${node} AND id = ANY(${sql.array([...opts.ids])}::text[])`;
          const byId = new Map(rows.map((r) => [r.id, { id: r.id, xml: r.xml }]));
          return [...new Set(opts.ids)].flatMap((id) => byId.get(id) ?? []);
        }
        const rows =
          opts.max === undefined
            ? await sql<PepItem[]>`
                SELECT id, xml FROM pep_item WHERE account = ${account} AND node = ${node} ORDER BY seq`
            : await sql<PepItem[]>`
                SELECT id, xml FROM pep_item WHERE account = ${account} AND node = ${node}
                ORDER BY seq DESC LIMIT ${Math.max(0, opts.max)}`;
        const items = rows.map((r) => ({ id: r.id, xml: r.xml }));
        return opts.max === undefined ? items : items.reverse();
      }),
    pepLastItems: (accounts, nodes) =>
      guard("pep read", async () => {
        if (accounts.length === 0 || nodes.length === 0) return [];
        const rows = await sql<PepLastItem[]>`
          SELECT DISTINCT ON (i.account, i.node) i.account, i.node, i.id, i.xml, n.config
          FROM pep_item i JOIN pep_node n ON n.account = i.account AND n.node = i.node
          WHERE i.account = ANY(${sql.array([...accounts])}::text[])
            AND i.node = ANY(${sql.array([...nodes])}::text[])
          ORDER BY i.account, i.node, i.seq DESC`;
        return rows.map((r) => ({
          account: r.account,
          node: r.node,
          id: r.id,
          xml: r.xml,
          config: r.config,
        }));
      }),
  };
}
