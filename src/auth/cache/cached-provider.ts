// An opt-in cache in front of any auth provider (a decorator: the provider itself is untouched).
// check_password: only a "yes" is kept, as an HMAC of user and password under a key made for this
// process, never the password; a "no" or a failure is never stored, so a cached answer can never turn
// a "no" into a "yes". user_exists: both answers are kept. Any write through us (register,
// set_password, remove_user) and the server's passwordChanged/accountRemoved hooks (forget) drop the
// user's entries at once; an in-flight answer that started before a drop is not stored.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Logger } from "../../log.ts";
import type { AuthProvider, CallOptions, CheckResult, ExistsResult, WriteResult } from "../provider.ts";
import { createBoundedMap } from "./bounded-map.ts";
import type { CacheMetrics } from "./cache-metrics.ts";

export interface AuthCacheOptions {
  /** Seconds a positive check_password answer is reused; 0: not cached. */
  readonly checkPasswordTtl: number;
  /** Seconds a user_exists answer (yes or no) is reused; 0: not cached. */
  readonly userExistsTtl: number;
  /** Accounts kept per method; the least recently used is dropped beyond this. */
  readonly maxEntries: number;
  /** Seconds after expiry a cached login is still accepted while the API fails; 0: never. */
  readonly staleIfError: number;
}

export interface CachedProviderDeps {
  readonly inner: AuthProvider;
  readonly host: string;
  readonly options: AuthCacheOptions;
  readonly logger: Logger;
  readonly metrics: CacheMetrics;
  /** Milliseconds; injectable so tests can move time. */
  readonly now?: () => number;
  /** The HMAC key; a fresh random one per process unless a test passes one. */
  readonly secret?: Buffer;
}

export interface CachedProvider extends AuthProvider {
  /** Drops every entry of the user (a normalised localpart), e.g. after a change on another path. */
  forget(user: string): void;
}

/** A few digests per account, so that several valid secrets (app tokens) do not push each other out. */
const DIGESTS_PER_USER = 4;

interface Digest {
  readonly mac: Buffer;
  readonly freshUntil: number;
  readonly keepUntil: number;
}

interface Existence {
  readonly exists: boolean;
  readonly freshUntil: number;
}

export function createCachedProvider(deps: CachedProviderDeps): CachedProvider {
  const { inner, host, options, logger, metrics } = deps;
  const now = deps.now ?? Date.now;
  const secret = deps.secret ?? randomBytes(32);
  const checkTtlMs = options.checkPasswordTtl * 1000;
  const staleMs = options.staleIfError * 1000;
  const existsTtlMs = options.userExistsTtl * 1000;
  const passwords = createBoundedMap<Digest[]>(options.maxEntries);
  const existence = createBoundedMap<Existence>(options.maxEntries);
  // Bumped on every drop: an answer whose call began before a drop may be out of date, so not stored.
  let epoch = 0;

  const mac = (user: string, password: string): Buffer =>
    createHmac("sha256", secret).update(user).update("\0").update(password).digest();

  function findDigest(user: string, digest: Buffer): Digest | undefined {
    return passwords.get(user)?.find((d) => timingSafeEqual(d.mac, digest));
  }

  function storeDigest(user: string, digest: Buffer, at: number): void {
    const kept = (passwords.get(user) ?? []).filter(
      (d) => d.keepUntil > at && !timingSafeEqual(d.mac, digest),
    );
    kept.push({ mac: digest, freshUntil: at + checkTtlMs, keepUntil: at + checkTtlMs + staleMs });
    if (passwords.set(user, kept.slice(-DIGESTS_PER_USER))) metrics.evicted("check_password", "capacity");
  }

  function forget(user: string): void {
    epoch += 1;
    if (passwords.delete(user)) metrics.evicted("check_password", "change");
    if (existence.delete(user)) metrics.evicted("user_exists", "change");
  }

  async function checkPassword(user: string, password: string, call?: CallOptions): Promise<CheckResult> {
    if (checkTtlMs === 0 || password === "") return inner.checkPassword(user, password, call);
    const digest = mac(user, password);
    const at = now();
    const cached = findDigest(user, digest);
    if (cached !== undefined && at < cached.freshUntil) {
      metrics.hit("check_password");
      return { outcome: "ok" };
    }
    metrics.miss("check_password");
    const started = epoch;
    const result = await inner.checkPassword(user, password, call);
    if (result.outcome === "ok") {
      if (epoch === started) storeDigest(user, digest, now());
    } else if (result.outcome === "false") {
      // The API says no: whatever we held for this secret is wrong now.
      dropDigest(user, digest);
    } else if (result.reason !== "aborted" && cached !== undefined && now() < cached.keepUntil) {
      metrics.staleAnswer();
      logger.warn(
        { host, method: "check_password", reason: result.reason, staleForMs: now() - cached.freshUntil },
        "auth API failing: login accepted from an expired cache entry (http_auth_cache_stale_if_error)",
      );
      return { outcome: "ok" };
    }
    return result;
  }

  function dropDigest(user: string, digest: Buffer): void {
    const list = passwords.get(user);
    if (list === undefined) return;
    const rest = list.filter((d) => !timingSafeEqual(d.mac, digest));
    if (rest.length === list.length) return;
    if (rest.length === 0) passwords.delete(user);
    else passwords.set(user, rest);
  }

  async function userExists(user: string, call?: CallOptions): Promise<ExistsResult> {
    if (existsTtlMs === 0) return inner.userExists(user, call);
    const cached = existence.get(user);
    if (cached !== undefined && now() < cached.freshUntil) {
      metrics.hit("user_exists");
      return { outcome: cached.exists ? "ok" : "false" };
    }
    metrics.miss("user_exists");
    const started = epoch;
    const result = await inner.userExists(user, call);
    if (result.outcome === "backend-error" || epoch !== started) return result;
    if (existence.set(user, { exists: result.outcome === "ok", freshUntil: now() + existsTtlMs }))
      metrics.evicted("user_exists", "capacity");
    return result;
  }

  /** A write may have changed the account whatever it answered (a timeout can still have landed). */
  async function write(user: string, call: () => Promise<WriteResult>): Promise<WriteResult> {
    forget(user);
    try {
      return await call();
    } finally {
      forget(user);
    }
  }

  return {
    name: inner.name,
    capabilities: inner.capabilities,
    checkPassword,
    userExists,
    register: (user, password, call) => write(user, () => inner.register(user, password, call)),
    setPassword: (user, password, call) => write(user, () => inner.setPassword(user, password, call)),
    removeUser: (user, call) => write(user, () => inner.removeUser(user, call)),
    // Not cached: SCRAM credentials change with the password, and a proof is checked here anyway.
    ...(inner.getScramCredentials === undefined
      ? {}
      : { getScramCredentials: inner.getScramCredentials.bind(inner) }),
    forget,
    close: async () => {
      passwords.clear();
      existence.clear();
      await inner.close();
    },
  };
}
