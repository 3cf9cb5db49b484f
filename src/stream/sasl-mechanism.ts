// The SASL mechanism interface (RFC 4422 §4, as profiled by RFC 6120 §6.4): the stream core moves
// <auth>/<challenge>/<response>/<success> and counts failures; a mechanism turns client messages into
// challenges and a verdict. Mechanisms are modules, chosen per host (sasl-mechanisms.ts).
import type { AuthProvider } from "../auth/provider.ts";
import type { Logger } from "../log.ts";
import type { LoginTicket } from "../limits/login-limiter.ts";
import type { FeatureState } from "./features.ts";
import type { ChannelBindingType } from "../tls/channel-binding.ts";
import type { SaslFailureCondition } from "./sasl-plain.ts";
import type { Refusal } from "./sasl-limits.ts";
import type { Advertised } from "./ssdp.ts";

/** What an exchange may use: the host's provider and the login limits, nothing of the stream. */
export interface SaslContext {
  readonly host: string;
  readonly provider: AuthProvider;
  readonly logger: Logger;
  /** The channel bindings this connection has (RFC 5802 §6: a "y" client must fail if non-empty). */
  readonly channelBindings: readonly ChannelBindingType[];
  /** Whether -PLUS mechanisms were offered to this client (a "y" from it is a downgrade). */
  readonly plusOffered: boolean;
  channelBinding(type: ChannelBindingType): Buffer | undefined;
  /** What the client was shown, for XEP-0474's hash (absent: no "h" attribute, as in RFC 5802's examples). */
  readonly advertised?: Advertised;
  /** Aborted when the client leaves: pass it to every backend call. */
  readonly signal: AbortSignal;
  /**
   * Asks the login limits to admit an attempt for `user` (a prepared localpart). A refusal comes
   * back already logged and delayed; `undefined` refusal means the client left meanwhile.
   */
  admit(
    user: string,
  ): Promise<{ ok: true; ticket: LoginTicket } | { ok: false; refusal: Refusal | undefined }>;
}

export type SaslStep =
  | { readonly kind: "challenge"; readonly data: Buffer }
  /** `user` is the prepared localpart now authenticated; `data` the additional data of <success/>. */
  | { readonly kind: "success"; readonly user: string; readonly data?: Buffer }
  | { readonly kind: "failure"; readonly condition: SaslFailureCondition; readonly text?: string };

export interface SaslExchange {
  /** One client message (the initial response first), already base64-decoded. */
  step(message: Buffer): Promise<SaslStep>;
  /** The client aborted or left mid-exchange: give back anything held (a login-limit slot). */
  dispose(): void;
}

export interface SaslMechanism {
  /** The IANA name, as advertised in <mechanism/>. */
  readonly name: string;
  /** Whether to offer it on a stream in this state (TLS, the host's options, the provider). */
  offered(state: FeatureState): boolean;
  /** Why it is not offered, for the <failure/> of a client that asks anyway. */
  refusedAs(state: FeatureState): SaslFailureCondition;
  start(ctx: SaslContext): SaslExchange;
}
