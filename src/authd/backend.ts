// What the HTTP handler needs from an account backend. Only checkPassword and userExists are
// mandatory in the protocol; a backend without register/setPassword/removeUser makes the handler
// answer 501 for them, which Prosody and our provider read as "not implemented".
// `user` is always normalised (UsernameCaseMapped) and `server` is a domain the handler accepts.

type MaybePromise<T> = T | Promise<T>;

/** "invalid-password": the backend refuses this password (e.g. not an RFC 8265 OpaqueString); answered 400. */
export type RegisterOutcome = "created" | "exists" | "invalid-password";
export type UpdateOutcome = "updated" | "not-found" | "invalid-password";
export type RemoveOutcome = "removed" | "not-found";

export interface AuthBackend {
  /** True only when the account exists and the password is right. */
  checkPassword(user: string, server: string, pass: string): MaybePromise<boolean>;
  userExists(user: string, server: string): MaybePromise<boolean>;
  /** Creates an account; "exists" when it already does (answered 409). */
  register?(user: string, server: string, pass: string): MaybePromise<RegisterOutcome>;
  /** Replaces the password; "not-found" when there is no such account (answered 404). */
  setPassword?(user: string, server: string, pass: string): MaybePromise<UpdateOutcome>;
  /** Deletes the account; "not-found" when there is no such account (answered 404). */
  removeUser?(user: string, server: string): MaybePromise<RemoveOutcome>;
  /**
   * get_password (MongooseIM's extension): the account's SCRAM credentials in MongooseIM's
   * serialisation, never a password; undefined when there is no such account or it has none yet
   * (answered 404).
   */
  getPassword?(user: string, server: string): MaybePromise<string | undefined>;
}
