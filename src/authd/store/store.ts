// The account store behind authd: password hashes keyed by (server, username). Callers pass
// normalised names (see ../account-name.ts); the store compares them byte for byte.

export interface AccountStore {
  /** The stored password hash, or undefined when there is no such account. */
  getHash(server: string, username: string): Promise<string | undefined>;
  /** Creates the account; false when it already exists (nothing is changed then). */
  create(server: string, username: string, hash: string): Promise<boolean>;
  /**
   * Replaces the hash; false when there is no such account. With `expected`, replaces it only if
   * the stored hash is still that one (a rehash must not undo a concurrent password change).
   */
  updateHash(server: string, username: string, hash: string, expected?: string): Promise<boolean>;
  /** Deletes the account; false when there was none. */
  delete(server: string, username: string): Promise<boolean>;
  /** Usernames of a server, sorted. */
  list(server: string): Promise<string[]>;
  exists(server: string, username: string): Promise<boolean>;
  /** Throws when the store cannot answer (used by /healthz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The schema version this code writes; both stores migrate up to it at start. */
export const SCHEMA_VERSION = 1;
