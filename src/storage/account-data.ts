// What the store keeps per account besides rosters and messages: XEP-0049 private XML (one element
// per element name and namespace), the XEP-0054 vCard and the XEP-0191 blocklist. Values are
// serialized XML the server produced itself; blocklist entries are prepared JIDs (RFC 7622).

export interface AccountDataStore {
  /** The stored element for this root name and namespace, serialized; undefined when none. */
  getPrivate(account: string, name: string, namespace: string): Promise<string | undefined>;
  /** Stores (or replaces) the element for its root name and namespace. */
  setPrivate(account: string, name: string, namespace: string, xml: string): Promise<void>;

  getVcard(account: string): Promise<string | undefined>;
  setVcard(account: string, xml: string): Promise<void>;

  /** Every blocked JID, in code-point order. */
  blocklist(account: string): Promise<string[]>;
  /** Adds JIDs; returns those that were not already blocked. */
  block(account: string, jids: readonly string[]): Promise<string[]>;
  /** Removes the JIDs given, or every one when `jids` is undefined; returns those removed. */
  unblock(account: string, jids: readonly string[] | undefined): Promise<string[]>;
  /** True when any of `candidates` is on the account's blocklist (XEP-0191 §6 match forms). */
  blocksAny(account: string, candidates: readonly string[]): Promise<boolean>;
  /** The accounts among `accounts` that block any of `candidates` (one query for a whole roster). */
  blockersAmong(accounts: readonly string[], candidates: readonly string[]): Promise<string[]>;
}

/** The tables, the same in SQLite and PostgreSQL (both understand this DDL). */
export const ACCOUNT_DATA_MIGRATION = `
  CREATE TABLE chat_private (
    account TEXT NOT NULL,
    name TEXT NOT NULL,
    namespace TEXT NOT NULL,
    xml TEXT NOT NULL,
    PRIMARY KEY (account, name, namespace)
  );
  CREATE TABLE chat_vcard (account TEXT PRIMARY KEY, xml TEXT NOT NULL);
  CREATE TABLE chat_blocklist (
    account TEXT NOT NULL,
    jid TEXT NOT NULL,
    PRIMARY KEY (account, jid)
  );`;

/** The tables an account's deletion (XEP-0077) empties for it. */
export const ACCOUNT_DATA_TABLES = ["chat_private", "chat_vcard", "chat_blocklist"] as const;

/** Code-point order, the same in both back-ends (PostgreSQL's collation may differ). */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
