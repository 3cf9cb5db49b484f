// Failed-login limits across connections (a guesser reconnects; sasl_max_failures is per connection):
// per client address first, then per account, as Prosody's mod_limit_auth and ejabberd's mod_fail2ban
// do. Checks in flight count against the budget, so parallel attempts cannot outrun it; memory is
// bounded by `maxEntries` per table.

export interface LoginLimitOptions {
  /** Failed logins per address (IPv4, or an IPv6 /64) per period; 0: no limit. */
  readonly ipMax: number;
  readonly ipPeriodMs: number;
  /** Failed logins per account per period, from addresses it was not used from lately; 0: no limit. */
  readonly accountMax: number;
  readonly accountPeriodMs: number;
  /** Entries kept per table (addresses, accounts, known addresses); past it the oldest go. */
  readonly maxEntries: number;
  readonly now?: () => number;
}

/** How long an address a login succeeded from still passes an account's lockout. */
export const KNOWN_ADDRESS_MS = 30 * 86400 * 1000;
/** Addresses remembered per account. */
const KNOWN_PER_ACCOUNT = 4;

export type LimitScope = "ip" | "account";

export type Admission =
  | { readonly ok: true; readonly ticket: LoginTicket }
  | { readonly ok: false; readonly scope: LimitScope; readonly retryAfterMs: number }
  | { readonly ok: false; readonly scope: "aborted" };

/** One admitted check: exactly one of its methods is called when the answer is known. */
export interface LoginTicket {
  succeeded(): void;
  failed(): void;
  /** Neither: the backend could not answer, which says nothing about the guess. */
  release(): void;
}

interface Window {
  start: number;
  failures: number;
  inflight: number;
  /** Admissions waiting for a check in flight here to end. */
  readonly waiters: Set<() => void>;
}

/** Windows in start order (a restarted window is re-inserted), so the oldest are always first. */
class WindowTable {
  private readonly map = new Map<string, Window>();

  constructor(
    readonly max: number,
    readonly periodMs: number,
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.map.size;
  }

  /** The live window for `key`; an expired one with nothing in flight is started afresh. */
  get(key: string, now: number): Window {
    const w = this.map.get(key);
    if (w !== undefined && (now - w.start < this.periodMs || w.inflight > 0)) return w;
    if (w !== undefined) this.map.delete(key);
    this.makeRoom(now);
    const fresh: Window = { start: now, failures: 0, inflight: 0, waiters: new Set() };
    this.map.set(key, fresh);
    return fresh;
  }

  /** A window that holds nothing any more is forgotten at once: successes leave no trace. */
  settle(key: string, w: Window): void {
    for (const wake of [...w.waiters]) wake();
    if (w.failures === 0 && w.inflight === 0 && this.map.get(key) === w) this.map.delete(key);
  }

  private makeRoom(now: number): void {
    for (const [key, w] of this.map) {
      if (now - w.start < this.periodMs || w.inflight > 0) break;
      this.map.delete(key);
    }
    // Still full: the oldest goes. Whoever holds that many addresses is not slowed by a per-address
    // limit anyway; memory stays bounded. Its waiters look again and find a fresh window.
    while (this.map.size >= this.maxEntries) {
      const oldest = this.map.entries().next();
      if (oldest.done === true) break;
      this.map.delete(oldest.value[0]);
      for (const wake of [...oldest.value[1].waiters]) wake();
    }
  }
}

type Verdict = { kind: "admit" } | { kind: "refuse"; scope: LimitScope; at: Window } | { kind: "wait" };

export class LoginLimiter {
  private readonly ips: WindowTable;
  private readonly accounts: WindowTable;
  /** Account → addresses a login succeeded from, with when; least recently used first. */
  private readonly known = new Map<string, Map<string, number>>();
  private readonly now: () => number;
  /** Attempts refused so far, by the limit that refused them (for /metrics). */
  readonly refused = { ip: 0, account: 0 };

  constructor(private readonly options: LoginLimitOptions) {
    this.ips = new WindowTable(options.ipMax, options.ipPeriodMs, options.maxEntries);
    this.accounts = new WindowTable(options.accountMax, options.accountPeriodMs, options.maxEntries);
    this.now = options.now ?? Date.now;
  }

  /** Entries held now, per table (for tests and metrics). */
  get sizes(): { ips: number; accounts: number; known: number } {
    return { ips: this.ips.size, accounts: this.accounts.size, known: this.known.size };
  }

  /**
   * Admits one password check for `account` from `ipKey` (see limitKey), refuses it, or waits while
   * the budget is held by checks in flight. `signal` ends a wait (the client left).
   */
  async admit(ipKey: string, account: string, signal: AbortSignal): Promise<Admission> {
    const useAccount = this.options.accountMax > 0 && !this.isKnown(account, ipKey);
    for (;;) {
      if (signal.aborted) return { ok: false, scope: "aborted" };
      const now = this.now();
      const ipWin = this.options.ipMax > 0 ? this.ips.get(ipKey, now) : undefined;
      const accWin = useAccount ? this.accounts.get(account, now) : undefined;
      const verdict = this.judge(ipWin, this.ips, accWin, this.accounts);
      if (verdict.kind === "refuse") {
        const table = verdict.scope === "ip" ? this.ips : this.accounts;
        this.refused[verdict.scope] += 1;
        // A window made just now for the other key holds nothing: it is not kept.
        if (ipWin !== undefined) this.ips.settle(ipKey, ipWin);
        if (accWin !== undefined) this.accounts.settle(account, accWin);
        return { ok: false, scope: verdict.scope, retryAfterMs: verdict.at.start + table.periodMs - now };
      }
      if (verdict.kind === "admit") return { ok: true, ticket: this.ticket(ipKey, ipWin, account, accWin) };
      await waitForChange([ipWin, accWin], signal);
    }
  }

  private judge(
    ipWin: Window | undefined,
    ips: WindowTable,
    accWin: Window | undefined,
    accounts: WindowTable,
  ): Verdict {
    // The address first: a lone guesser meets its own limit long before the account's.
    if (ipWin !== undefined && ipWin.failures >= ips.max) return { kind: "refuse", scope: "ip", at: ipWin };
    if (accWin !== undefined && accWin.failures >= accounts.max)
      return { kind: "refuse", scope: "account", at: accWin };
    const busy = (w: Window | undefined, max: number) => w !== undefined && w.failures + w.inflight >= max;
    if (busy(ipWin, ips.max) || busy(accWin, accounts.max)) return { kind: "wait" };
    return { kind: "admit" };
  }

  private ticket(ipKey: string, ipWin: Window | undefined, account: string, accWin: Window | undefined) {
    if (ipWin !== undefined) ipWin.inflight += 1;
    if (accWin !== undefined) accWin.inflight += 1;
    let done = false;
    const end = (failed: boolean) => {
      if (done) return;
      done = true;
      for (const [w, table, key] of [
        [ipWin, this.ips, ipKey],
        [accWin, this.accounts, account],
      ] as const) {
        if (w === undefined) continue;
        w.inflight -= 1;
        if (failed) w.failures += 1;
        table.settle(key, w);
      }
    };
    return {
      succeeded: () => {
        end(false);
        this.remember(account, ipKey);
      },
      failed: () => end(true),
      release: () => end(false),
    };
  }

  private isKnown(account: string, ipKey: string): boolean {
    const at = this.known.get(account)?.get(ipKey);
    return at !== undefined && this.now() - at < KNOWN_ADDRESS_MS;
  }

  private remember(account: string, ipKey: string): void {
    const addrs = this.known.get(account) ?? new Map<string, number>();
    this.known.delete(account);
    addrs.delete(ipKey);
    addrs.set(ipKey, this.now());
    while (addrs.size > KNOWN_PER_ACCOUNT) addrs.delete(addrs.keys().next().value as string);
    while (this.known.size >= this.options.maxEntries)
      this.known.delete(this.known.keys().next().value as string);
    this.known.set(account, addrs);
  }
}

/** Resolves when any of the windows changes (a check ends, or it is evicted) or the signal aborts. */
function waitForChange(windows: (Window | undefined)[], signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      for (const w of windows) w?.waiters.delete(done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    for (const w of windows) w?.waiters.add(done);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** The limiter the server options describe. */
export function createLoginLimiter(g: {
  readonly limit_auth_max: number;
  readonly limit_auth_period: number;
  readonly limit_auth_account_max: number;
  readonly limit_auth_account_period: number;
  readonly limit_auth_max_entries: number;
}): LoginLimiter {
  return new LoginLimiter({
    ipMax: g.limit_auth_max,
    ipPeriodMs: g.limit_auth_period * 1000,
    accountMax: g.limit_auth_account_max,
    accountPeriodMs: g.limit_auth_account_period * 1000,
    maxEntries: g.limit_auth_max_entries,
  });
}

/** Prometheus text: refusals by limit, and what the tables hold (never an address or a name). */
export function loginLimitMetrics(limiter: LoginLimiter): string {
  const { ips, accounts } = limiter.sizes;
  return (
    "# HELP xha_login_limit_refused_total Login attempts refused by a failed-login limit.\n" +
    "# TYPE xha_login_limit_refused_total counter\n" +
    `xha_login_limit_refused_total{limit="ip"} ${limiter.refused.ip}\n` +
    `xha_login_limit_refused_total{limit="account"} ${limiter.refused.account}\n` +
    "# HELP xha_login_limit_tracked Addresses and accounts with failed logins or checks in flight.\n" +
    "# TYPE xha_login_limit_tracked gauge\n" +
    `xha_login_limit_tracked{limit="ip"} ${ips}\n` +
    `xha_login_limit_tracked{limit="account"} ${accounts}\n`
  );
}
