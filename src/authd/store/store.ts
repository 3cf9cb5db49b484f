// The account store behind authd: password hashes keyed by (server, username). Callers pass
// normalised names (see ../account-name.ts); the store compares them byte for byte.

export interface AccountStore {
  /** The stored password hash, or undefined when there is no such account. */
  getHash(server: string, username: string): Promise<string | undefined>;
  /**
   * Creates the account; false when it already exists (nothing is changed then). `scram`: its SCRAM
   * credentials in MongooseIM's serialisation (../../auth/scram.ts), kept beside the hash.
   */
  create(server: string, username: string, hash: string, scram?: string): Promise<boolean>;
  /**
   * Replaces the hash; false when there is no such account. With `expected`, replaces it only if
   * the stored hash is still that one (a rehash must not undo a concurrent password change).
   */
  updateHash(server: string, username: string, hash: string, expected?: string): Promise<boolean>;
  // The SCRAM part (schema version 3) is optional, so a store of an operator's own keeps working:
  // without it authd answers get_password with 501 and keeps no SCRAM credentials.
  /** Replaces the hash and the SCRAM credentials together (a password change); false: no account. */
  setPassword?(server: string, username: string, hash: string, scram: string): Promise<boolean>;
  /**
   * The SCRAM credentials: a string, `null` for an account that has none yet (made before schema
   * version 3), `undefined` for no such account.
   */
  getScram?(server: string, username: string): Promise<string | null | undefined>;
  /** Stores SCRAM credentials only if the hash is still `expected` (computed at a PLAIN login). */
  addScram?(server: string, username: string, scram: string, expected: string): Promise<boolean>;
  /** Deletes the account; false when there was none. */
  delete(server: string, username: string): Promise<boolean>;
  /** Usernames of a server, sorted. */
  list(server: string): Promise<string[]>;
  exists(server: string, username: string): Promise<boolean>;
  /** Throws when the store cannot answer (used by /healthz). */
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * Failed-login records kept beside the accounts, shared by every authd on the database. A store
   * without one gets a lockout in each process's memory.
   */
  readonly failures?: FailureLedger;
}

/** One account's failed-login record (see ../lockout.ts); times in ms since the epoch. */
export interface FailureRecord {
  readonly failures: number;
  readonly lockouts: number;
  readonly lastFailure: number;
  readonly lockedUntil: number;
}

export interface FailureLedger {
  /**
   * Runs `fn` on the account's record (undefined: none) and the database's clock, atomically with
   * every other step on the same account from any process, stores the record it returns and
   * answers its `allowed`.
   */
  step(
    server: string,
    username: string,
    fn: (record: FailureRecord | undefined, now: number) => { allowed: boolean; entry: FailureRecord },
  ): Promise<boolean>;
  /** Deletes the account's record. */
  forget(server: string, username: string): Promise<void>;
  /** Deletes records not locked and whose last failure is older than `windowMs`. */
  purge(windowMs: number): Promise<void>;
  /** Accounts locked now (for an operator). */
  locked(): Promise<{ server: string; username: string; lockedUntil: number }[]>;
}

/** The schema version this code writes; both stores migrate up to it at start. */
export const SCHEMA_VERSION = 3;
