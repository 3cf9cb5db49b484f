// Password hashing with Argon2id (RFC 9106) through @node-rs/argon2, which runs on libuv's thread
// pool so hashing never blocks the event loop. Defaults are OWASP's Password Storage Cheat Sheet
// minimum for Argon2id: m=19456 KiB (19 MiB), t=2, p=1. Hashes are PHC strings carrying their
// own parameters, so old hashes keep verifying after the parameters change; needsRehash spots them.
import { hash, parseOptions, verify } from "@node-rs/argon2";

export interface Argon2Params {
  /** Memory cost in KiB. */
  readonly memoryKib: number;
  /** Iterations (time cost). */
  readonly iterations: number;
  readonly parallelism: number;
}

export const OWASP_ARGON2ID: Argon2Params = Object.freeze({
  memoryKib: 19456,
  iterations: 2,
  parallelism: 1,
});

/** The PHC algorithm id @node-rs/argon2 reports for Argon2id (its `Algorithm` is a const enum). */
const ARGON2ID = 2;
/** Version 0x13, reported as 1. */
const VERSION_13 = 1;

export interface PasswordHasher {
  readonly params: Argon2Params;
  hash(password: string): Promise<string>;
  /**
   * True when `password` matches `stored`. With no stored hash (unknown user) it verifies against a
   * dummy hash made with the same parameters and answers false, so the time taken does not tell
   * whether the account exists. A malformed stored hash never matches.
   */
  verify(stored: string | undefined, password: string): Promise<boolean>;
  /** The stored hash was made with other parameters (or another algorithm) than the configured ones. */
  needsRehash(stored: string): boolean;
}

/** Makes the hasher, computing its dummy hash up front (hence async). */
export async function createPasswordHasher(params: Argon2Params = OWASP_ARGON2ID): Promise<PasswordHasher> {
  const options = {
    memoryCost: params.memoryKib,
    timeCost: params.iterations,
    parallelism: params.parallelism,
  };
  const hashPassword = (password: string): Promise<string> => hash(password, options);
  // A random secret no one can send, so the dummy never matches by accident.
  const dummy = await hashPassword(crypto.randomUUID());

  return {
    params: Object.freeze({ ...params }),
    hash: hashPassword,
    async verify(stored, password) {
      if (stored === undefined) {
        await verify(dummy, password).catch(() => false);
        return false;
      }
      try {
        return await verify(stored, password);
      } catch {
        return false;
      }
    },
    needsRehash(stored) {
      try {
        const p = parseOptions(stored);
        return (
          Number(p.algorithm) !== ARGON2ID ||
          Number(p.version) !== VERSION_13 ||
          p.memoryCost !== params.memoryKib ||
          p.timeCost !== params.iterations ||
          p.parallelism !== params.parallelism
        );
      } catch {
        return true;
      }
    },
  };
}
