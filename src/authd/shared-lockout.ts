// The lockout (./lockout.ts) with its records in the account database, so that every authd process
// on one database enforces one limit: each attempt reads, steps and writes the account's record in
// one transaction (the row locked), and several processes no longer multiply an attacker's tries.
import { attempt, lockoutRule, type Lockout, type LockoutOptions } from "./lockout.ts";
import type { FailureLedger } from "./store/store.ts";

/** Stale records are deleted every this many attempts (per process). */
const PURGE_EVERY = 256;

export function createSharedLockout(ledger: FailureLedger, options: LockoutOptions = {}): Lockout {
  const rule = lockoutRule(options);
  let attempts = 0;
  let started = 0;
  return {
    async begin(user, server) {
      if (rule.maxFailures === 0) return 0;
      // Housekeeping off this login's path: a purge that fails is simply retried PURGE_EVERY attempts
      // later (stale rows only take space; `attempt` ignores them).
      if (++attempts % PURGE_EVERY === 0) void ledger.purge(rule.windowMs).catch(() => undefined);
      let lockoutMs = 0;
      const allowed = await ledger.step(server, user, (entry, now) => {
        const r = attempt(entry, rule, now);
        lockoutMs = r.lockoutMs;
        return r;
      });
      return allowed && lockoutMs;
    },
    async succeeded(user, server) {
      if (rule.maxFailures === 0) return;
      await ledger.forget(server, user);
    },
    lockoutBegan() {
      started += 1;
    },
    async unlock(user, server) {
      const locked = (await ledger.locked()).some((r) => r.server === server && r.username === user);
      await ledger.forget(server, user);
      return locked;
    },
    async locked() {
      return (await ledger.locked()).map((r) => ({ key: `${r.username}@${r.server}`, until: r.lockedUntil }));
    },
    get lockoutsStarted() {
      return started;
    },
  };
}
