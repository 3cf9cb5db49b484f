// authd's public API: the embeddable protocol handler and its node:http adapter, the backend
// contract a custom account system implements, and the complete service.
export { createAuthHandler, BASIC_CHALLENGE, DEFAULT_MAX_BODY_BYTES, DEFAULT_PATH } from "./handler.ts";
export type { AuthHandler, AuthHandlerOptions } from "./handler.ts";
export { toNodeListener, toRequest } from "./node-adapter.ts";
export type { NodeListener } from "./node-adapter.ts";
export type { AuthBackend, RegisterOutcome, RemoveOutcome, UpdateOutcome } from "./backend.ts";
export { createAuthd } from "./service.ts";
export type { Authd, AuthdOptions } from "./service.ts";
export {
  DEFAULT_DATA_PATH,
  defaultAuthdConfig,
  loadAuthdConfig,
  parseAuthdConfig,
  type AuthdConfig,
} from "./config.ts";
export { createPasswordHasher, OWASP_ARGON2ID } from "./password-hasher.ts";
export type { Argon2Params, PasswordHasher } from "./password-hasher.ts";
export { createLockout, LOCKOUT_DEFAULTS } from "./lockout.ts";
export type { Lockout, LockoutOptions, MemoryLockout } from "./lockout.ts";
export { createSharedLockout } from "./shared-lockout.ts";
export { createStoreBackend } from "./store-backend.ts";
export type { StoreBackend } from "./store-backend.ts";
export { openStore } from "./store/open.ts";
export type { AccountStore, FailureLedger, FailureRecord } from "./store/store.ts";
