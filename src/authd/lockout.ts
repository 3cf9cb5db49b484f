// Throttling of password guessing per account (user@server), in memory. After `maxFailures` wrong
// passwords within `windowMs`, the account is locked for `baseMs`, doubling at each further lockout
// up to `maxMs`. While locked, check_password answers `false` without verifying: the protocol has
// no way to say "locked", so a locked-out client sees the same `not-authorized` as for a wrong
// password. A right password outside a lockout resets the account's record. The cost of this
// design is that anyone can lock an account out for a while; the backoff caps that at `maxMs`.
// Memory is bounded: at most `maxEntries` accounts are tracked, the least recently touched evicted.

export interface LockoutOptions {
  /** Failures that trigger a lockout; 0 disables locking. Default 5. */
  readonly maxFailures?: number;
  /** First lockout in ms; each further one doubles. Default 1000. */
  readonly baseMs?: number;
  /** Longest lockout in ms. Default 300000 (5 min). */
  readonly maxMs?: number;
  /** Failures older than this (ms since the last one) are forgotten. Default 15 min. */
  readonly windowMs?: number;
  /** Accounts tracked at most. Default 100000. */
  readonly maxEntries?: number;
  /** The clock, for tests. */
  readonly now?: () => number;
}

export interface Lockout {
  /** Whether check_password must answer false for this account without verifying. */
  isLocked(key: string): boolean;
  recordFailure(key: string): void;
  recordSuccess(key: string): void;
  /** Lifts a lockout and forgets the account's failures (an operator's decision). */
  unlock(key: string): boolean;
  /** Accounts locked now, with when each lockout ends (ms since the epoch). */
  locked(): { key: string; until: number }[];
  /** Lockouts begun since start. */
  readonly lockoutsStarted: number;
  /** Tracked accounts (for tests and metrics). */
  readonly size: number;
}

interface Entry {
  failures: number;
  lockouts: number;
  lastFailure: number;
  lockedUntil: number;
}

export const LOCKOUT_DEFAULTS = Object.freeze({
  maxFailures: 5,
  baseMs: 1000,
  maxMs: 300_000,
  windowMs: 900_000,
  maxEntries: 100_000,
});

export function createLockout(options: LockoutOptions = {}): Lockout {
  const maxFailures = options.maxFailures ?? LOCKOUT_DEFAULTS.maxFailures;
  const baseMs = options.baseMs ?? LOCKOUT_DEFAULTS.baseMs;
  const maxMs = options.maxMs ?? LOCKOUT_DEFAULTS.maxMs;
  const windowMs = Math.max(options.windowMs ?? LOCKOUT_DEFAULTS.windowMs, maxMs);
  const maxEntries = options.maxEntries ?? LOCKOUT_DEFAULTS.maxEntries;
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order: re-inserting on each touch keeps the stalest entry first.
  const entries = new Map<string, Entry>();
  let started = 0;

  const stale = (e: Entry, t: number): boolean => t >= e.lockedUntil && t - e.lastFailure > windowMs;

  function current(key: string, t: number): Entry | undefined {
    const e = entries.get(key);
    if (e !== undefined && stale(e, t)) {
      entries.delete(key);
      return undefined;
    }
    return e;
  }

  return {
    isLocked(key) {
      if (maxFailures === 0) return false;
      const t = now();
      const e = current(key, t);
      return e !== undefined && t < e.lockedUntil;
    },
    recordFailure(key) {
      if (maxFailures === 0) return;
      const t = now();
      const e = current(key, t) ?? { failures: 0, lockouts: 0, lastFailure: t, lockedUntil: 0 };
      e.failures += 1;
      e.lastFailure = t;
      if (e.failures >= maxFailures) {
        e.lockedUntil = t + Math.min(baseMs * 2 ** e.lockouts, maxMs);
        e.lockouts += 1;
        started += 1;
      }
      entries.delete(key);
      entries.set(key, e);
      // Evict the least recently touched, expired or not, to stay within bounds.
      for (const [k, old] of entries) {
        if (entries.size <= maxEntries && !stale(old, t)) break;
        entries.delete(k);
      }
    },
    recordSuccess(key) {
      entries.delete(key);
    },
    unlock(key) {
      const e = entries.get(key);
      entries.delete(key);
      return e !== undefined && now() < e.lockedUntil;
    },
    locked() {
      const t = now();
      return [...entries]
        .filter(([, e]) => t < e.lockedUntil)
        .map(([key, e]) => ({ key, until: e.lockedUntil }));
    },
    get lockoutsStarted() {
      return started;
    },
    get size() {
      return entries.size;
    },
  };
}
