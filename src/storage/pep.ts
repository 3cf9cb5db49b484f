// What the store keeps for PEP (XEP-0163 on XEP-0060): per account (bare JID), nodes with their
// configuration and their items, newest last. Items are serialized XML the server produced itself;
// a node's configuration is JSON (./pep-config is the module's business, not the store's).

export interface PepNode {
  readonly node: string;
  /** The node configuration, JSON (modules/pep/node-config.ts). */
  readonly config: string;
}

export interface PepItem {
  readonly id: string;
  /** The serialized <item/> payload (one element), or "" when the node keeps no payloads. */
  readonly xml: string;
}

export interface PepLastItem extends PepItem {
  readonly account: string;
  readonly node: string;
  readonly config: string;
}

export interface PepStore {
  pepNode(account: string, node: string): Promise<PepNode | undefined>;
  /** Every node of the account, in code-point order of their names. */
  pepNodes(account: string): Promise<PepNode[]>;
  /** Creates the node unless it exists or the account has `maxNodes`; "exists" / "full" say why not. */
  pepCreate(
    account: string,
    node: string,
    config: string,
    maxNodes: number,
  ): Promise<"created" | "exists" | "full">;
  /** Replaces a node's configuration and trims its items to `maxItems`; false when there is no node. */
  pepConfigure(account: string, node: string, config: string, maxItems: number): Promise<boolean>;
  /** Deletes a node with its items; false when there was none. */
  pepDelete(account: string, node: string): Promise<boolean>;
  /** Removes every item of a node; false when there is no node. */
  pepPurge(account: string, node: string): Promise<boolean>;
  /**
   * Stores an item as the node's newest (replacing one with the same id), then keeps only the
   * `maxItems` newest. False when the node does not exist.
   */
  pepPublish(account: string, node: string, item: PepItem, maxItems: number): Promise<boolean>;
  /** Removes an item; false when it was not there. */
  pepRetract(account: string, node: string, id: string): Promise<boolean>;
  /** Items oldest first: those named by `ids`, else the `max` newest (all when undefined). */
  pepItems(
    account: string,
    node: string,
    opts?: { ids?: readonly string[]; max?: number },
  ): Promise<PepItem[]>;
  /** The newest item of each of `nodes` of each of `accounts` that has one (one query for a roster). */
  pepLastItems(accounts: readonly string[], nodes: readonly string[]): Promise<PepLastItem[]>;
}

/** The tables, the same in SQLite and PostgreSQL (both understand this DDL). */
export const PEP_MIGRATION = `
  CREATE TABLE pep_node (
    account TEXT NOT NULL,
    node TEXT NOT NULL,
    config TEXT NOT NULL,
    PRIMARY KEY (account, node)
  );
  CREATE TABLE pep_item (
    account TEXT NOT NULL,
    node TEXT NOT NULL,
    id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    xml TEXT NOT NULL,
    PRIMARY KEY (account, node, id)
  );
  CREATE INDEX pep_item_order ON pep_item (account, node, seq);`;

/** The tables an account's deletion (XEP-0077) empties for it. */
export const PEP_TABLES = ["pep_node", "pep_item"] as const;
