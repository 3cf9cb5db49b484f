// Throttling of password guessing per account (user@server). After `maxFailures` wrong passwords
// within `windowMs`, the account is locked for `baseMs`, doubling at each further lockout up to
// `maxMs`. While locked, check_password answers `false` without verifying: the protocol has no way
// to say "locked", so a locked-out client sees the same `not-authorized` as for a wrong password.
// A right password outside a lockout resets the account's record. The cost of this design is that
// anyone can lock an account out for a while; the backoff caps that at `maxMs`.
//
// An attempt is counted as a failure *before* it is verified and forgiven when it turns out right,
// so attempts in flight count: 40 parallel guesses get `maxFailures` verifications, not 40. The
// step is one pure function over an entry, run in memory here (bounded: at most `maxEntries`
// accounts, the least recently touched evicted) or in the database by ./shared-lockout.ts.
import type { FailureRecord } from "./store/store.ts";

export interface LockoutOptions {
  /** Failures that trigger a lockout; 0 disables locking. Default 5. */
  readonly maxFailures?: number;
  /** First lockout in ms; each further one doubles. Default 1000. */
  readonly baseMs?: number;
  /** Longest lockout in ms. Default 300000 (5 min). */
  readonly maxMs?: number;
  /** Failures older than this (ms since the last one) are forgotten. Default 15 min. */
  readonly windowMs?: number;
  /** Accounts tracked at most (in memory). Default 100000. */
  readonly maxEntries?: number;
  /** The clock, for tests. */
  readonly now?: () => number;
}

/** What the lockout asks of authd's password check. */
export interface Lockout {
  /**
   * Counts an attempt before it is verified: false when the account is locked (answer false without
   * verifying); otherwise the lockout in ms that this attempt starts if it turns out wrong (0: none),
   * so that authd can log a lockout when it really begins.
   */
  begin(user: string, server: string): Promise<number | false>;
  /** The attempt was right, or the password was changed: the account's failures are forgotten. */
  succeeded(user: string, server: string): Promise<void>;
  /** A wrong password started a lockout (what begin() announced): counted for the operator. */
  lockoutBegan(): void;
  /** Lifts a lockout and forgets the account's failures (an operator's decision); false if none. */
  unlock(user: string, server: string): Promise<boolean>;
  /** Accounts locked now ("user@server"), with when each lockout ends (ms since the epoch). */
  locked(): Promise<{ key: string; until: number }[]>;
  /** Lockouts begun through this process since it started. */
  readonly lockoutsStarted: number;
}

/** One account's record; times in ms since the epoch. */
export type FailureEntry = FailureRecord;

export interface LockoutRule {
  readonly maxFailures: number;
  readonly baseMs: number;
  readonly maxMs: number;
  readonly windowMs: number;
}

export const LOCKOUT_DEFAULTS = Object.freeze({
  maxFailures: 5,
  baseMs: 1000,
  maxMs: 300_000,
  windowMs: 900_000,
  maxEntries: 100_000,
});

export function lockoutRule(options: LockoutOptions = {}): LockoutRule {
  const maxMs = options.maxMs ?? LOCKOUT_DEFAULTS.maxMs;
  return {
    maxFailures: options.maxFailures ?? LOCKOUT_DEFAULTS.maxFailures,
    baseMs: options.baseMs ?? LOCKOUT_DEFAULTS.baseMs,
    maxMs,
    // A record must outlive its lockout, or the backoff would never grow.
    windowMs: Math.max(options.windowMs ?? LOCKOUT_DEFAULTS.windowMs, maxMs),
  };
}

/** An entry that no longer matters: not locked, and its last failure is out of the window. */
export function isStale(e: FailureEntry, rule: LockoutRule, now: number): boolean {
  return now >= e.lockedUntil && now - e.lastFailure > rule.windowMs;
}

/**
 * One attempt on an account: refused while it is locked; otherwise counted as a failure (locking
 * the account when it reaches the limit). Returns the verdict and the entry to keep.
 */
export function attempt(
  entry: FailureEntry | undefined,
  rule: LockoutRule,
  now: number,
): { readonly allowed: boolean; readonly entry: FailureEntry; readonly lockoutMs: number } {
  const e = entry === undefined || isStale(entry, rule, now) ? undefined : entry;
  if (e !== undefined && now < e.lockedUntil) return { allowed: false, entry: e, lockoutMs: 0 };
  const failures = (e?.failures ?? 0) + 1;
  const lockouts = e?.lockouts ?? 0;
  if (failures < rule.maxFailures) {
    return {
      allowed: true,
      entry: { failures, lockouts, lastFailure: now, lockedUntil: e?.lockedUntil ?? 0 },
      lockoutMs: 0,
    };
  }
  const lockoutMs = Math.min(rule.baseMs * 2 ** lockouts, rule.maxMs);
  const lockedUntil = now + lockoutMs;
  return {
    allowed: true,
    entry: { failures, lockouts: lockouts + 1, lastFailure: now, lockedUntil },
    lockoutMs,
  };
}

/** The in-memory lockout, for one process (and for stores that keep no records of their own). */
export interface MemoryLockout extends Lockout {
  isLocked(key: string): boolean;
  /** Counts a failure (what `begin` does before verifying). */
  recordFailure(key: string): void;
  recordSuccess(key: string): void;
  /** Tracked accounts (for tests and metrics). */
  readonly size: number;
}

export function createLockout(options: LockoutOptions = {}): MemoryLockout {
  const rule = lockoutRule(options);
  const maxEntries = options.maxEntries ?? LOCKOUT_DEFAULTS.maxEntries;
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order: re-inserting on each touch keeps the stalest entry first.
  const entries = new Map<string, FailureEntry>();
  let started = 0;

  function current(key: string, t: number): FailureEntry | undefined {
    const e = entries.get(key);
    if (e !== undefined && isStale(e, rule, t)) {
      entries.delete(key);
      return undefined;
    }
    return e;
  }

  function isLocked(key: string): boolean {
    if (rule.maxFailures === 0) return false;
    const t = now();
    const e = current(key, t);
    return e !== undefined && t < e.lockedUntil;
  }

  function recordFailure(key: string): number | false {
    if (rule.maxFailures === 0) return 0;
    const t = now();
    const step = attempt(current(key, t), rule, t);
    if (!step.allowed) return false;
    entries.delete(key);
    entries.set(key, step.entry);
    // Evict the least recently touched, expired or not, to stay within bounds.
    for (const [k, old] of entries) {
      if (entries.size <= maxEntries && !isStale(old, rule, t)) break;
      entries.delete(k);
    }
    return step.lockoutMs;
  }

  return {
    isLocked,
    recordFailure(key) {
      recordFailure(key);
    },
    recordSuccess(key) {
      entries.delete(key);
    },
    begin: (user, server) => Promise.resolve(recordFailure(`${user}@${server}`)),
    succeeded(user, server) {
      entries.delete(`${user}@${server}`);
      return Promise.resolve();
    },
    lockoutBegan() {
      started += 1;
    },
    unlock(user, server) {
      const key = `${user}@${server}`;
      const locked = isLocked(key);
      entries.delete(key);
      return Promise.resolve(locked);
    },
    locked() {
      const t = now();
      return Promise.resolve(
        [...entries].filter(([, e]) => t < e.lockedUntil).map(([key, e]) => ({ key, until: e.lockedUntil })),
      );
    },
    get lockoutsStarted() {
      return started;
    },
    get size() {
      return entries.size;
    },
  };
}
