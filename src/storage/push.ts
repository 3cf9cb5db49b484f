// XEP-0357 push registrations kept per account (§5): the app server's JID, the node, and the client's
// publish-options form (serialized XML the server re-serialized itself, or "" when none was given).

export interface PushRegistration {
  readonly jid: string;
  readonly node: string;
  readonly options: string;
}

export interface PushStore {
  /** The account's registrations, oldest first. */
  pushRegistrations(account: string): Promise<PushRegistration[]>;
  /**
   * Adds or replaces (same jid and node, which becomes the newest) a registration; past `max` the
   * oldest ones are removed.
   */
  addPushRegistration(account: string, registration: PushRegistration, max: number): Promise<void>;
  /** Removes the registrations at `jid` (for `node` only, when given); returns how many. */
  removePushRegistrations(account: string, jid: string, node: string | undefined): Promise<number>;
}

/** SQLite: `seq` orders registrations (a new enable of the same pair gets a new one). */
export const SQLITE_PUSH_MIGRATION = `
  CREATE TABLE push_registrations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    jid TEXT NOT NULL,
    node TEXT NOT NULL,
    options TEXT NOT NULL,
    UNIQUE (account, jid, node)
  );
  CREATE INDEX push_registrations_account ON push_registrations (account, seq);`;

export const POSTGRES_PUSH_MIGRATION = `
  CREATE TABLE push_registrations (
    seq BIGSERIAL PRIMARY KEY,
    account TEXT NOT NULL,
    jid TEXT NOT NULL,
    node TEXT NOT NULL,
    options TEXT NOT NULL,
    UNIQUE (account, jid, node)
  );
  CREATE INDEX push_registrations_account ON push_registrations (account, seq);`;

/** The tables an account's deletion (XEP-0077) empties for it. */
export const PUSH_TABLES = ["push_registrations"] as const;
