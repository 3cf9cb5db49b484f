// authd's AuthBackend: accounts in an AccountStore, passwords as Argon2id hashes, guessing slowed
// by the lockout. Passwords are prepared with RFC 8265 §4.2 OpaqueString before hashing and
// verifying (idempotent, so a password the XMPP server already prepared is unchanged), so the CLI
// and the protocol agree on what a password is whatever form of Unicode was typed.
import { opaqueString } from "../precis/index.ts";
import { deriveCredentialsAsync, serialize } from "../auth/scram.ts";
import { silentLogger, type Logger } from "../log.ts";
import type { AuthBackend, RegisterOutcome, RemoveOutcome, UpdateOutcome } from "./backend.ts";
import type { Lockout } from "./lockout.ts";
import type { PasswordHasher } from "./password-hasher.ts";
import type { AccountStore } from "./store/store.ts";

export interface StoreBackendDeps {
  readonly store: AccountStore;
  readonly hasher: PasswordHasher;
  /** Without one, failed attempts are not throttled. */
  readonly lockout?: Lockout;
  readonly logger?: Logger;
  /** PBKDF2 iterations of new SCRAM credentials (one count for SHA-1 and SHA-256). Default 10,000. */
  readonly scramIterations?: number;
}

/** RFC 7677 §4 asks for at least 4096 with SHA-256; current guidance (OWASP, RFC 8018) for more. */
export const DEFAULT_SCRAM_ITERATIONS = 10_000;

export interface StoreBackend extends Required<Omit<AuthBackend, "getPassword">> {
  getPassword?: AuthBackend["getPassword"];
  register(user: string, server: string, pass: string): Promise<RegisterOutcome>;
  setPassword(user: string, server: string, pass: string): Promise<UpdateOutcome>;
  removeUser(user: string, server: string): Promise<RemoveOutcome>;
  listUsers(server: string): Promise<string[]>;
}

export function createStoreBackend(deps: StoreBackendDeps): StoreBackend {
  const { store, hasher, lockout } = deps;
  const logger = deps.logger ?? silentLogger();
  const iterations = deps.scramIterations ?? DEFAULT_SCRAM_ITERATIONS;
  const withScram =
    store.getScram !== undefined && store.addScram !== undefined && store.setPassword !== undefined;
  const scramFor = async (pass: string): Promise<string> =>
    serialize(await deriveCredentialsAsync(pass, iterations));

  /** An account from before schema version 3 gets its SCRAM credentials at its next PLAIN login. */
  async function backfill(user: string, server: string, stored: string, pass: string): Promise<void> {
    if (!withScram) return;
    try {
      if ((await store.getScram!(server, user)) !== null) return;
      // Compare-and-swap on the hash: a set_password that landed meanwhile brought its own.
      await store.addScram!(server, user, await scramFor(pass), stored);
    } catch (err) {
      logger.warn({ server, user, err: (err as Error).message }, "storing SCRAM credentials failed");
    }
  }

  async function rehash(user: string, server: string, old: string, pass: string): Promise<void> {
    try {
      // Compare-and-swap: a set_password that landed meanwhile wins over this rehash.
      await store.updateHash(server, user, await hasher.hash(pass), old);
    } catch (err) {
      logger.warn({ server, user, err: (err as Error).message }, "rehash failed; the old hash stays");
    }
  }

  return {
    async checkPassword(user, server, pass) {
      // Counted before verifying (and forgiven if right), so attempts in flight count too.
      const counted = lockout === undefined ? 0 : await lockout.begin(user, server);
      if (counted === false) return false;
      const prepared = opaqueString(pass);
      const stored = await store.getHash(server, user);
      // Always one verification, against a dummy hash when there is no account (or no valid
      // password), so the answer takes as long whether or not the user exists.
      const ok = await hasher.verify(prepared.ok ? stored : undefined, prepared.ok ? prepared.value : pass);
      if (!ok) {
        // The protocol cannot say "locked" (the client sees not-authorized): the log must.
        if (counted > 0) {
          lockout?.lockoutBegan();
          logger.warn(
            { user, server, seconds: counted / 1000 },
            "account locked out after repeated wrong passwords",
          );
        }
        return false;
      }
      await lockout?.succeeded(user, server);
      if (stored !== undefined && prepared.ok) await backfill(user, server, stored, prepared.value);
      if (stored !== undefined && prepared.ok && hasher.needsRehash(stored)) {
        await rehash(user, server, stored, prepared.value);
      }
      return true;
    },
    userExists: (user, server) => store.exists(server, user),
    async register(user, server, pass) {
      const prepared = opaqueString(pass);
      if (!prepared.ok) return "invalid-password";
      const hash = await hasher.hash(prepared.value);
      const created = withScram
        ? await store.create(server, user, hash, await scramFor(prepared.value))
        : await store.create(server, user, hash);
      return created ? "created" : "exists";
    },
    async setPassword(user, server, pass) {
      const prepared = opaqueString(pass);
      if (!prepared.ok) return "invalid-password";
      if (!(await store.exists(server, user))) return "not-found";
      const hash = await hasher.hash(prepared.value);
      const updated = withScram
        ? await store.setPassword!(server, user, hash, await scramFor(prepared.value))
        : await store.updateHash(server, user, hash);
      if (updated) await lockout?.succeeded(user, server);
      return updated ? "updated" : "not-found";
    },
    async removeUser(user, server) {
      return (await store.delete(server, user)) ? "removed" : "not-found";
    },
    listUsers: (server) => store.list(server),
    // SCRAM credentials only: authd never hands out a password (it keeps none).
    ...(withScram
      ? {
          getPassword: async (user: string, server: string) =>
            (await store.getScram!(server, user)) ?? undefined,
        }
      : {}),
  };
}
