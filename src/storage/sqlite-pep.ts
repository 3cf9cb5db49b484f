// PepStore in the SQLite chat store: each write is one short immediate transaction; an item's `seq`
// (its place in the node, newest highest) is the node's highest plus one.
import type Database from "better-sqlite3";
import { guardSync as guard } from "../db/sqlite.ts";
import { byCodePoint } from "./account-data.ts";
import type { PepItem, PepLastItem, PepNode, PepStore } from "./pep.ts";

export function sqlitePep(db: Database.Database): PepStore {
  const q = {
    node: db.prepare("SELECT node, config FROM pep_node WHERE account = ? AND node = ?"),
    nodes: db.prepare("SELECT node, config FROM pep_node WHERE account = ?"),
    count: db.prepare("SELECT count(*) FROM pep_node WHERE account = ?").pluck(),
    create: db.prepare(
      "INSERT INTO pep_node (account, node, config) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
    ),
    configure: db.prepare("UPDATE pep_node SET config = ? WHERE account = ? AND node = ?"),
    deleteNode: db.prepare("DELETE FROM pep_node WHERE account = ? AND node = ?"),
    purge: db.prepare("DELETE FROM pep_item WHERE account = ? AND node = ?"),
    nextSeq: db
      .prepare("SELECT coalesce(max(seq), 0) + 1 FROM pep_item WHERE account = ? AND node = ?")
      .pluck(),
    upsert: db.prepare(
      `INSERT INTO pep_item (account, node, id, seq, xml) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (account, node, id) DO UPDATE SET seq = excluded.seq, xml = excluded.xml`,
    ),
    trim: db.prepare(
      `DELETE FROM pep_item WHERE account = ? AND node = ? AND seq NOT IN
         (SELECT seq FROM pep_item WHERE account = ? AND node = ? ORDER BY seq DESC LIMIT ?)`,
    ),
    retract: db.prepare("DELETE FROM pep_item WHERE account = ? AND node = ? AND id = ?"),
    all: db.prepare("SELECT id, xml FROM pep_item WHERE account = ? AND node = ? ORDER BY seq"),
    newest: db.prepare(
      "SELECT id, xml FROM pep_item WHERE account = ? AND node = ? ORDER BY seq DESC LIMIT ?",
    ),
    byId: db.prepare("SELECT id, xml FROM pep_item WHERE account = ? AND node = ? AND id = ?"),
    last: db.prepare(
      `SELECT i.account, i.node, i.id, i.xml, n.config FROM pep_item i
         JOIN pep_node n ON n.account = i.account AND n.node = i.node
       WHERE i.account IN (SELECT value FROM json_each(?)) AND i.node IN (SELECT value FROM json_each(?))
         AND i.seq = (SELECT max(seq) FROM pep_item m WHERE m.account = i.account AND m.node = i.node)`,
    ),
  };
  const trim = (account: string, node: string, max: number) =>
    q.trim.run(account, node, account, node, Math.max(0, max));
  return {
    pepNode: (account, node) => guard("pep read", () => q.node.get(account, node) as PepNode | undefined),
    pepNodes: (account) =>
      guard("pep read", () =>
        (q.nodes.all(account) as PepNode[]).sort((a, b) => byCodePoint(a.node, b.node)),
      ),
    pepCreate: (account, node, config, maxNodes) =>
      guard("pep create", () =>
        db
          .transaction(() => {
            if (q.node.get(account, node) !== undefined) return "exists" as const;
            if ((q.count.get(account) as number) >= maxNodes) return "full" as const;
            q.create.run(account, node, config);
            return "created" as const;
          })
          .immediate(),
      ),
    pepConfigure: (account, node, config, maxItems) =>
      guard("pep configure", () =>
        db
          .transaction(() => {
            if (q.configure.run(config, account, node).changes === 0) return false;
            trim(account, node, maxItems);
            return true;
          })
          .immediate(),
      ),
    pepDelete: (account, node) =>
      guard("pep delete", () =>
        db
          .transaction(() => {
            q.purge.run(account, node);
            return q.deleteNode.run(account, node).changes > 0;
          })
          .immediate(),
      ),
    pepPurge: (account, node) =>
      guard("pep purge", () =>
        db
          .transaction(() => {
            if (q.node.get(account, node) === undefined) return false;
            q.purge.run(account, node);
            return true;
          })
          .immediate(),
      ),
    pepPublish: (account, node, item, maxItems) =>
      guard("pep publish", () =>
        db
          .transaction(() => {
            if (q.node.get(account, node) === undefined) return false;
            q.upsert.run(account, node, item.id, q.nextSeq.get(account, node), item.xml);
            trim(account, node, maxItems);
            return true;
          })
          .immediate(),
      ),
    pepRetract: (account, node, id) =>
      guard("pep retract", () => q.retract.run(account, node, id).changes > 0),
    pepItems: (account, node, opts = {}) =>
      guard("pep read", () => {
        if (opts.ids !== undefined)
          return [...new Set(opts.ids)]
            .map((id) => q.byId.get(account, node, id) as PepItem | undefined)
            .filter((i): i is PepItem => i !== undefined);
        if (opts.max === undefined) return q.all.all(account, node) as PepItem[];
        return (q.newest.all(account, node, Math.max(0, opts.max)) as PepItem[]).reverse();
      }),
    pepLastItems: (accounts, nodes) =>
      guard("pep read", () =>
        accounts.length === 0 || nodes.length === 0
          ? []
          : (q.last.all(JSON.stringify(accounts), JSON.stringify(nodes)) as PepLastItem[]),
      ),
  };
}
