// What every session and module shares: configuration, hosts with their auth providers, the session
// registry, IQ handlers and life-cycle hooks. Built once by the server; passed in, never global.
import type { SaslMechanism } from "./stream/sasl-mechanism.ts";
import type { GlobalOptions, HostOptions } from "./config/schema.ts";
import type { AuthProvider } from "./auth/provider.ts";
import type { Logger } from "./log.ts";
import type { Element } from "./xml/element.ts";
import type { Session } from "./stream/session.ts";
import type { SessionDirectory } from "./router/directory.ts";
import type { IqRegistry } from "./router/iq-registry.ts";
import type { Hook } from "./router/hooks.ts";
import type { LoginLimiter } from "./limits/login-limiter.ts";
import type { DiscoRegistry } from "./modules/disco/registry.ts";
import type { InlineRegistry } from "./stream/sasl2-inline.ts";
import type { InputRateStats } from "./limits/input-rate.ts";

export interface HostContext {
  readonly name: string;
  readonly options: HostOptions;
  readonly provider: AuthProvider;
  /** The SASL mechanisms this host can offer, strongest first (stream/sasl-mechanisms.ts). */
  readonly mechanisms: readonly SaslMechanism[];
}

export interface ServerHooks {
  /** A session bound a resource and can exchange stanzas. */
  readonly bound: Hook<[Session]>;
  /** A bound session ended (closed by either side, replaced, or its connection dropped). */
  readonly unbound: Hook<[Session]>;
  /** An account was deleted through the API (XEP-0077); the argument is its bare JID. */
  readonly accountRemoved: Hook<[string]>;
  /** An account's password was changed through the API (XEP-0077 §3.3); the argument is its bare JID. */
  readonly passwordChanged: Hook<[string]>;
  /** A message was kept offline for an account (XEP-0160): its bare JID and the stanza as kept. */
  readonly offlineStored: Hook<[string, Element]>;
  /**
   * An IQ result or error another entity sent to an account's bare JID: the reply to an IQ the server
   * sent on the account's behalf (a XEP-0357 publish). Otherwise nothing handles it.
   */
  readonly accountIqReply: Hook<[Element]>;
  /** An account's XEP-0441 archive preferences were set (here or, relayed, on another node): its bare JID. */
  readonly archivePrefsChanged: Hook<[string]>;
}

/** Delivers a stanza a bound session sent (from already stamped). */
export type RouteFn = (session: Session, stanza: Element) => Promise<void>;

export interface ServerContext {
  /** Replaced whole by a reload; sessions read it when they start. */
  global: GlobalOptions;
  readonly hosts: ReadonlyMap<string, HostContext>;
  /** Every bound session, on this node or (in a cluster) another: the routing seam. */
  readonly sessions: SessionDirectory;
  /** IQs from bound sessions to the server or to the sender's own account. */
  readonly iq: IqRegistry;
  /** IQs allowed before authentication (XEP-0077 registration). */
  readonly preAuthIq: IqRegistry;
  /** Extra stream features offered before authentication (XEP-0077's <register/>). */
  readonly preAuthFeatures: ((session: Session) => Element | undefined)[];
  readonly hooks: ServerHooks;
  route: RouteFn;
  readonly logger: Logger;
  /** Failed-login limits per client address and per account, across connections. */
  readonly loginLimiter: LoginLimiter;
  /** The `limits` rate's holds, for /metrics. */
  readonly inputRate: InputRateStats;
  /** XEP-0030: features and nodes advertised, registered by the modules that implement them. */
  readonly disco: DiscoRegistry;
  /** Stream features offered after authentication, after <bind/> (XEP-0198's <sm/>, XEP-0352's <csi/>). */
  readonly postAuthFeatures: ((session: Session) => Element | undefined)[];
  /**
   * Top-level elements other than stanzas accepted after authentication ("nonzas": XEP-0198's
   * <enable/>, <resume/>, <r/>, <a/>; XEP-0352's <active/>), by "namespace localName"; anything else
   * still ends the stream.
   */
  readonly nonzas: Map<string, (session: Session, element: Element) => Promise<void> | void>;
  /** SASL2 and Bind2 inline features (XEP-0388, XEP-0386): Bind2, FAST, and later XEP-0198. */
  readonly inline: InlineRegistry;
}

/** The key of a nonza handler in ServerContext.nonzas. */
export const nonzaKey = (xmlns: string, name: string): string => `${xmlns} ${name}`;
