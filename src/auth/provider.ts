// The authentication provider interface. A provider declares what it can do; the server offers SASL
// mechanisms and XEP-0077 features from those capabilities (as Prosody's auth providers do).
import type { ScramCredentials } from "./scram.ts";

/** Why a backend could not give a definite answer. Never contains a password or a URL with a query. */
export interface BackendFailure {
  readonly outcome: "backend-error";
  /** A stable reason: "timeout", "refused", "status", "bad-body", "body-too-large", "network", "aborted". */
  readonly reason: BackendErrorReason;
  /** The HTTP status when there was one. */
  readonly status?: number;
}

export type BackendErrorReason =
  "timeout" | "refused" | "status" | "bad-body" | "body-too-large" | "network" | "aborted";

/** Results are values: an expected failure never throws. */
export type CheckResult = { readonly outcome: "ok" } | { readonly outcome: "false" } | BackendFailure;
export type ExistsResult = { readonly outcome: "ok" } | { readonly outcome: "false" } | BackendFailure;
export type WriteResult =
  | { readonly outcome: "ok" }
  | { readonly outcome: "conflict" }
  | { readonly outcome: "unsupported" }
  | BackendFailure;

/** SCRAM credentials for a user (RFC 5802 §3): what lets the server check a proof. */
export type ScramResult =
  | { readonly outcome: "ok"; readonly credentials: ScramCredentials }
  | { readonly outcome: "false" }
  | { readonly outcome: "unsupported" }
  | BackendFailure;

export interface ProviderCapabilities {
  /** The provider verifies a plaintext password (so SASL PLAIN is what it can back). */
  readonly plaintext: boolean;
  /** The provider can hand out SCRAM credentials (salted keys, never a password): SCRAM-* follow. */
  readonly scram: boolean;
  readonly register: boolean;
  readonly setPassword: boolean;
  readonly removeUser: boolean;
}

export interface CallOptions {
  /** Aborts the backend call, e.g. when the client disconnects. */
  readonly signal?: AbortSignal;
}

/**
 * One provider instance serves one virtual host. `user` is always the normalised localpart
 * (RFC 8265 UsernameCaseMapped), `password` the prepared password (RFC 8265 OpaqueString).
 */
export interface AuthProvider {
  readonly name: string;
  readonly capabilities: ProviderCapabilities;
  checkPassword(user: string, password: string, options?: CallOptions): Promise<CheckResult>;
  userExists(user: string, options?: CallOptions): Promise<ExistsResult>;
  register(user: string, password: string, options?: CallOptions): Promise<WriteResult>;
  setPassword(user: string, password: string, options?: CallOptions): Promise<WriteResult>;
  removeUser(user: string, options?: CallOptions): Promise<WriteResult>;
  /** Present when `capabilities.scram`: the user's SCRAM credentials; "false" for no such user. */
  getScramCredentials?(user: string, options?: CallOptions): Promise<ScramResult>;
  /** Releases pooled connections. */
  close(): Promise<void>;
}
