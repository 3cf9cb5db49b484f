// FAST tokens (XEP-0484) in the shared store, so a token issued on one node logs in on any other.
// Per account and client (the hash of its XEP-0388 user-agent id) two slots, "current" and "new",
// as XEP-0484 §6.1 suggests; a token is kept as SHA-256 of its text, never the text itself.

export type FastSlot = "current" | "new";

export interface FastToken {
  readonly slot: FastSlot;
  /** base64 SHA-256 of the token's text. */
  readonly hash: string;
  /** The HT-* mechanism it was requested for (XEP-0484 §4.3: bound to it). */
  readonly mechanism: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
  /** The highest XEP-0484 §4.3 replay count seen with it (0: none). */
  readonly counter: number;
}

export interface FastTokenStore {
  /** The client's tokens, expired ones included (the caller checks expiry). */
  fastTokens(account: string, agent: string): Promise<FastToken[]>;
  /**
   * Puts a new token in the "new" slot, replacing one never used (XEP-0484 §4.5, last paragraph).
   * The account's expired tokens go at the same time, and past MAX_FAST_TOKENS_PER_ACCOUNT (one
   * account logging in with ever new user-agent ids) those closest to expiry go too.
   */
  fastIssue(account: string, agent: string, token: Omit<FastToken, "slot" | "counter">): Promise<void>;
  /**
   * A login used the token with this hash: a "new" one becomes "current" (the older one is gone,
   * §4.4), and its count rises to `counter`. False when the token is gone, or `counter` is not above
   * the one stored (a replay).
   */
  fastUse(account: string, agent: string, hash: string, counter: number | undefined): Promise<boolean>;
  /** Forgets one token (XEP-0484 §4.5 invalidate). */
  fastRevoke(account: string, agent: string, hash: string): Promise<void>;
  /** Forgets every token of the account (its password changed, or it was removed). */
  fastForget(account: string): Promise<void>;
}

/** The table, the same in SQLite and PostgreSQL (both understand this DDL). */
export const FAST_MIGRATION = `
  CREATE TABLE fast_tokens (
    account TEXT NOT NULL,
    agent TEXT NOT NULL,
    slot TEXT NOT NULL,
    hash TEXT NOT NULL,
    mechanism TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    counter BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account, agent, slot)
  );`;

export const FAST_TABLES = ["fast_tokens"] as const;

/** Tokens one account may hold (two per client): a bound on what a user can make the store keep. */
export const MAX_FAST_TOKENS_PER_ACCOUNT = 64;
