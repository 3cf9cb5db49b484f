// Account management for the admin page: search, add, reset a password, delete, unlock. Backed by
// authd's store, either authd in the same process (the `start` demo, lockouts included) or the store
// named by the `[authd]` table of the server's own file (lockouts then live in the authd process and
// are not visible). The HTTP auth protocol cannot list accounts, so any other API offers none of this.
// Names are prepared as authd prepares them.
import { normaliseAccount } from "../authd/account-name.ts";
import type { Lockout } from "../authd/lockout.ts";
import type { StoreBackend } from "../authd/store-backend.ts";

export interface AccountRow {
  readonly jid: string;
  /** When the account's lockout ends (ms since the epoch); absent when not locked. */
  readonly lockedUntil?: number;
}

/** Expected failures are values: the page shows `message`. */
export type AccountOutcome = { readonly ok: true } | { readonly ok: false; readonly message: string };

export interface AdminAccounts {
  readonly domains: readonly string[];
  search(domain: string, query: string, limit: number): Promise<{ rows: AccountRow[]; total: number }>;
  add(jid: string, password: string): Promise<AccountOutcome>;
  resetPassword(jid: string, password: string): Promise<AccountOutcome>;
  remove(jid: string): Promise<AccountOutcome>;
  unlock(jid: string): Promise<AccountOutcome>;
  /** Whether lockouts are known here (authd in this process). */
  readonly lockoutsVisible: boolean;
  /** Locked accounts now, across domains. */
  locked(): Promise<AccountRow[]>;
  readonly lockoutsStarted: number;
}

const fail = (message: string): AccountOutcome => ({ ok: false, message });

export interface AccountsSource {
  readonly backend: StoreBackend;
  /** authd's lockout, when it runs in this process. */
  readonly lockout?: Lockout;
  readonly domains: readonly string[];
}

export function authdAccounts(accounts: AccountsSource): AdminAccounts {
  const { backend, lockout, domains } = accounts;
  const parse = (jid: string): { user: string; server: string } | string => {
    const at = jid.indexOf("@");
    if (at <= 0 || jid.includes("/")) return "not a bare JID (user@domain)";
    const a = normaliseAccount(jid.slice(0, at), jid.slice(at + 1));
    if (!a.ok) return `invalid JID: ${a.reason}`;
    if (!domains.includes(a.server)) return `authd does not serve ${a.server}`;
    return a;
  };
  const lockedUntil = new Map<string, number>();
  const refreshLocks = async () => {
    lockedUntil.clear();
    for (const { key, until } of (await lockout?.locked()) ?? []) lockedUntil.set(key, until);
  };
  return {
    domains,
    async search(domain, query, limit) {
      if (!domains.includes(domain)) return { rows: [], total: 0 };
      await refreshLocks();
      const q = query.trim().toLowerCase();
      const users = (await backend.listUsers(domain)).filter((u) => u.includes(q));
      const rows = users.slice(0, limit).map((u) => {
        const jid = `${u}@${domain}`;
        const until = lockedUntil.get(jid);
        return until === undefined ? { jid } : { jid, lockedUntil: until };
      });
      return { rows, total: users.length };
    },
    async add(jid, password) {
      const a = parse(jid);
      if (typeof a === "string") return fail(a);
      const r = await backend.register(a.user, a.server, password);
      if (r === "exists") return fail(`${a.user}@${a.server} already exists`);
      if (r === "invalid-password") return fail("the password is not acceptable (RFC 8265)");
      return { ok: true };
    },
    async resetPassword(jid, password) {
      const a = parse(jid);
      if (typeof a === "string") return fail(a);
      const r = await backend.setPassword(a.user, a.server, password);
      if (r === "not-found") return fail(`no such account: ${a.user}@${a.server}`);
      if (r === "invalid-password") return fail("the password is not acceptable (RFC 8265)");
      return { ok: true };
    },
    async remove(jid) {
      const a = parse(jid);
      if (typeof a === "string") return fail(a);
      const r = await backend.removeUser(a.user, a.server);
      return r === "removed" ? { ok: true } : fail(`no such account: ${a.user}@${a.server}`);
    },
    async unlock(jid) {
      const a = parse(jid);
      if (typeof a === "string") return fail(a);
      if (lockout === undefined)
        return fail("lockouts are held by the authd process; it lifts them after lockout_max_seconds");
      return (await lockout.unlock(a.user, a.server))
        ? { ok: true }
        : fail(`${a.user}@${a.server} is not locked out`);
    },
    lockoutsVisible: lockout !== undefined,
    locked: async () =>
      ((await lockout?.locked()) ?? []).map(({ key, until }) => ({ jid: key, lockedUntil: until })),
    get lockoutsStarted() {
      return lockout?.lockoutsStarted ?? 0;
    },
  };
}
