// The server's configuration schema: every option with its type, default and scope, in one place.
// Names follow Prosody's, so an operator can carry a VirtualHost block across by eye. Options marked
// "host" may be set at the top level (a default for every host) and overridden under [hosts."name"].
import * as v from "./validators.ts";
import { sqlOption, type SqlConnection } from "../storage/config.ts";
import { bareJidList } from "./jid-list.ts";
import { externalUrl } from "../components/http-file-share/options.ts";
import { archivePeriod } from "../modules/mam/archive-period.ts";
import { DEFAULT_C2S_RATE, limitsOption, type InputLimits } from "../limits/input-rate.ts";
import { turnHost } from "../modules/external-services/options.ts";

export interface GlobalOptions {
  readonly interfaces: readonly string[];
  readonly c2s_ports: readonly number[];
  readonly c2s_direct_tls_ports: readonly number[];
  readonly http_ports: readonly number[];
  readonly https_ports: readonly number[];
  readonly c2s_stanza_size_limit: number;
  readonly c2s_stanza_depth_limit: number;
  readonly c2s_timeout: number;
  readonly c2s_keepalive_interval: number;
  readonly c2s_read_timeout: number;
  readonly consider_websocket_secure: boolean;
  readonly certificate: string | undefined;
  readonly key: string | undefined;
  readonly certificates: string | undefined;
  readonly data_path: string;
  readonly log_level: "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";
  readonly storage: "internal" | "sql";
  readonly sql: SqlConnection | undefined;
  readonly limit_auth_max: number;
  readonly limit_auth_period: number;
  readonly limit_auth_account_max: number;
  readonly limit_auth_account_period: number;
  readonly limit_auth_tarpit_delay: number;
  readonly limit_auth_max_entries: number;
  readonly limits: InputLimits;
  readonly trusted_proxies: readonly string[];
  readonly proxy_port_mappings: Readonly<Record<string, v.ProxiedService>>;
  readonly proxy_trusted_proxies: readonly string[];
  readonly openmetrics_allow_ips: readonly string[];
  readonly openmetrics_allow_cidr: string | undefined;
  readonly openmetrics_token: string | undefined;
  readonly admins: readonly string[];
  readonly csi_queue_size: number;
  readonly http_external_url: string | undefined;
}

/** The SASL mechanisms this server implements (stream/sasl-mechanisms.ts). */
export const SASL_MECHANISM_NAMES = [
  "SCRAM-SHA-256-PLUS",
  "SCRAM-SHA-1-PLUS",
  "SCRAM-SHA-256",
  "SCRAM-SHA-1",
  "PLAIN",
] as const;
export type SaslMechanismName = (typeof SASL_MECHANISM_NAMES)[number];

export interface HostOptions {
  readonly c2s_require_encryption: boolean;
  readonly allow_unencrypted_plain_auth: boolean;
  readonly sasl_max_failures: number;
  readonly disable_sasl_mechanisms: readonly SaslMechanismName[];
  readonly authentication: "http";
  readonly http_auth_url: string | undefined;
  readonly http_auth_credentials: string | undefined;
  readonly http_auth_timeout: number;
  readonly http_auth_max_connections: number;
  readonly http_auth_ca_file: string | undefined;
  readonly http_auth_tls_verify: boolean;
  readonly http_auth_cache_ttl: number;
  readonly http_auth_cache_user_exists_ttl: number;
  readonly http_auth_cache_size: number;
  readonly http_auth_cache_stale_if_error: number;
  readonly http_auth_scram: boolean;
  readonly allow_registration: boolean;
  readonly registration_throttle_max: number;
  readonly registration_throttle_period: number;
  readonly max_offline_messages: number;
  readonly vcard_max_size: number;
  readonly private_max_size: number;
  readonly c2s_sasl2: boolean;
  readonly sasl2_fast: boolean;
  readonly sasl2_fast_token_ttl: number;
  readonly sasl2_fast_token_min_ttl: number;
  readonly sasl2_fast_user_exists: boolean;
  readonly pep_max_items: number;
  readonly pep_max_nodes: number;
  readonly pep_max_item_size: number;
  readonly archive_expires_after: string | number;
  readonly default_archive_policy: boolean | "roster";
  readonly max_archive_query_results: number;
  readonly mam_include_total: boolean;
  readonly smacks_hibernation_time: number;
  readonly smacks_max_queue_size: number;
  readonly smacks_max_unacked_stanzas: number;
  readonly push_notification_with_body: boolean;
  readonly push_notification_with_sender: boolean;
  readonly push_max_devices: number;
  readonly unlimited_jids: readonly string[];
  readonly turn_external_secret: string | undefined;
  readonly turn_external_host: string | undefined;
  readonly turn_external_port: number;
  readonly turn_external_user: string | undefined;
  readonly turn_external_ttl: number;
  readonly turn_external_tcp: boolean;
  readonly turn_external_tls_port: number | undefined;
}

interface OptionSpec<T> {
  readonly check: v.Check<T>;
  readonly default: T;
  readonly doc: string;
}

type Specs<O> = { readonly [K in keyof O]-?: OptionSpec<O[K]> };

const optional = <T>(check: v.Check<T>): v.Check<T | undefined> => check;

export const GLOBAL_OPTIONS: Specs<GlobalOptions> = {
  interfaces: {
    check: v.list(v.address, { unique: true }),
    default: ["*"],
    doc: 'addresses to listen on; "*" is every IPv4 and IPv6 address',
  },
  c2s_ports: {
    check: v.list(v.port, { unique: true }),
    default: [5222],
    doc: "client ports with STARTTLS (RFC 6120 §5)",
  },
  c2s_direct_tls_ports: {
    check: v.list(v.port, { unique: true }),
    default: [5223],
    doc: "client ports with TLS from the first byte (XEP-0368)",
  },
  http_ports: {
    check: v.list(v.port, { unique: true }),
    default: [5280],
    doc: "HTTP ports for WebSocket (RFC 7395) at /xmpp-websocket",
  },
  https_ports: {
    check: v.list(v.port, { unique: true }),
    default: [5281],
    doc: "HTTPS ports for WebSocket, with the server's certificate",
  },
  c2s_stanza_size_limit: {
    check: v.int(1024, 64 * 1024 * 1024),
    default: 256 * 1024,
    doc: "largest stanza accepted, in bytes",
  },
  c2s_stanza_depth_limit: {
    check: v.int(8, 1024),
    default: 64,
    doc: "deepest nesting of elements accepted in a stanza (the stanza is level 1)",
  },
  c2s_timeout: {
    check: v.seconds(1, 86400),
    default: 300,
    doc: "seconds an unauthenticated stream may stay open",
  },
  c2s_keepalive_interval: {
    check: v.seconds(0, 86400),
    default: 60,
    doc: "seconds between whitespace keepalives on an idle stream (0: none)",
  },
  c2s_read_timeout: {
    check: v.seconds(0, 86400),
    default: 840,
    doc: "seconds of silence after which an authenticated stream is closed (0: never)",
  },
  consider_websocket_secure: {
    check: v.bool,
    default: false,
    doc: "treat plain WebSocket as encrypted (behind a TLS-terminating proxy)",
  },
  certificate: {
    check: optional(v.nonEmptyStr),
    default: undefined,
    doc: "PEM certificate chain; none: a self-signed one under data_path",
  },
  key: { check: optional(v.nonEmptyStr), default: undefined, doc: "PEM private key for `certificate`" },
  certificates: {
    check: optional(v.nonEmptyStr),
    default: undefined,
    doc: "directory of per-host certificates, chosen by SNI: <host>.crt/<host>.key or <host>/fullchain.pem/privkey.pem",
  },
  data_path: {
    check: v.nonEmptyStr,
    default: "data",
    doc: "directory for generated certificates and stores",
  },
  log_level: {
    check: v.oneOf("trace", "debug", "info", "warn", "error", "fatal", "silent"),
    default: "info",
    doc: "least severe level logged",
  },
  storage: {
    check: v.oneOf("internal", "sql"),
    default: "internal",
    doc: 'rosters and offline messages: "internal" (SQLite file data_path/xmpp.sqlite) or "sql"',
  },
  sql: {
    check: optional(sqlOption),
    default: undefined,
    doc: 'for storage = "sql": { driver = "PostgreSQL", database, host, port, username, password } or a postgres:// URL',
  },
  limit_auth_max: {
    check: v.int(0, 1_000_000),
    default: 5,
    doc: "failed logins per client address (IPv4, or IPv6 /64) per period before further attempts are refused (0: no limit)",
  },
  limit_auth_period: {
    check: v.seconds(1, 86400),
    default: 30,
    doc: "seconds of the per-address window, from its first failure",
  },
  limit_auth_account_max: {
    check: v.int(0, 1_000_000),
    default: 20,
    doc: "failed logins per account per period before it is refused from addresses it has not logged in from (0: no limit)",
  },
  limit_auth_account_period: {
    check: v.seconds(1, 86400 * 7),
    default: 600,
    doc: "seconds of the per-account window, from its first failure",
  },
  limit_auth_tarpit_delay: {
    check: v.seconds(0, 60),
    default: 0,
    doc: "seconds a refused login waits before its answer (0: answered at once)",
  },
  limit_auth_max_entries: {
    check: v.int(100, 10_000_000),
    default: 100_000,
    doc: "addresses and accounts tracked by the login limits, each; past it the oldest are forgotten",
  },
  limits: {
    check: limitsOption,
    default: { c2s: DEFAULT_C2S_RATE },
    doc: 'bytes a client connection may send: { c2s = { rate = "10kb/s", burst = "2s" } } (the default: 10 KiB/s, 2 s of burst), or { c2s = false } for no limit',
  },
  trusted_proxies: {
    check: v.addressList,
    default: ["127.0.0.1", "::1"],
    doc: "addresses or CIDR ranges whose X-Forwarded-For names the client on the HTTP listeners",
  },
  proxy_port_mappings: {
    check: v.portMappings,
    default: {},
    doc: 'ports that expect a PROXY protocol v1/v2 header, and the service behind it: { 15222 = "c2s" }, "c2s_direct_tls", "http" or "https"',
  },
  proxy_trusted_proxies: {
    check: v.addressList,
    default: ["127.0.0.1", "::1"],
    doc: "addresses or CIDR ranges allowed to connect to proxy_port_mappings ports; others are dropped",
  },
  openmetrics_allow_ips: {
    check: v.addressList,
    default: ["127.0.0.1", "::1"],
    doc: "client addresses that may read /metrics",
  },
  openmetrics_allow_cidr: {
    check: optional(v.cidr),
    default: undefined,
    doc: "a CIDR range that may also read /metrics",
  },
  openmetrics_token: {
    check: optional(v.token),
    default: undefined,
    doc: "a bearer token that also grants /metrics (Authorization: Bearer …), from any address",
  },
  admins: {
    check: bareJidList,
    default: [],
    doc: "accounts (bare JIDs) that may run the admin ad-hoc commands (XEP-0133): announce, online users",
  },
  csi_queue_size: {
    check: v.int(1, 10_000),
    default: 256,
    doc: "stanzas held back for an inactive client (XEP-0352) before all are delivered at once",
  },
  http_external_url: {
    check: optional(externalUrl),
    default: undefined,
    doc: "base URL of HTTP services (file upload) as clients reach them through a reverse proxy",
  },
};

export const HOST_OPTIONS: Specs<HostOptions> = {
  c2s_require_encryption: { check: v.bool, default: true, doc: "refuse to authenticate a client before TLS" },
  allow_unencrypted_plain_auth: {
    check: v.bool,
    default: false,
    doc: "offer SASL PLAIN on an unencrypted stream (insecure)",
  },
  sasl_max_failures: {
    check: v.int(1, 100),
    default: 3,
    doc: "failed SASL attempts on one connection before it is closed",
  },
  disable_sasl_mechanisms: {
    check: v.list(v.oneOf(...SASL_MECHANISM_NAMES), { unique: true }),
    default: [],
    doc: 'SASL mechanisms never offered on this host, e.g. ["PLAIN"] once every client speaks SCRAM',
  },
  authentication: { check: v.oneOf("http"), default: "http", doc: "the auth provider" },
  http_auth_url: {
    check: optional(v.httpUrl),
    default: undefined,
    doc: "base URL of the HTTP auth API; `$host` is replaced by the host name",
  },
  http_auth_credentials: {
    check: optional(v.credentials),
    default: undefined,
    doc: '"user:secret" sent as HTTP Basic authentication',
  },
  http_auth_timeout: {
    check: v.seconds(0.05, 300),
    default: 5,
    doc: "seconds before an auth API request is abandoned",
  },
  http_auth_max_connections: {
    check: v.int(1, 4096),
    default: 128,
    doc: "keep-alive connections to the auth API, per host: logins beyond this many at once wait for one",
  },
  http_auth_ca_file: {
    check: optional(v.nonEmptyStr),
    default: undefined,
    doc: "PEM file of CAs trusted for an https auth API",
  },
  http_auth_tls_verify: {
    check: v.bool,
    default: true,
    doc: "verify the auth API's certificate (false is insecure)",
  },
  http_auth_cache_ttl: {
    check: v.seconds(0, 86400),
    default: 0,
    doc: "seconds a successful check_password is reused without asking the API (0: no cache)",
  },
  http_auth_cache_user_exists_ttl: {
    check: v.seconds(0, 86400),
    default: 0,
    doc: "seconds a user_exists answer, yes or no, is reused without asking the API (0: no cache)",
  },
  http_auth_cache_size: {
    check: v.int(1, 10_000_000),
    default: 10000,
    doc: "accounts the auth cache keeps per host and method; the least recently used go first",
  },
  http_auth_cache_stale_if_error: {
    check: v.seconds(0, 86400 * 7),
    default: 0,
    doc: "seconds past expiry a cached login is still accepted while the API fails (0: never)",
  },
  http_auth_scram: {
    check: v.bool,
    default: false,
    doc: "offer SCRAM-SHA-256(-PLUS) and SCRAM-SHA-1(-PLUS) with credentials from the API's get_password (MongooseIM's format)",
  },
  allow_registration: { check: v.bool, default: false, doc: "XEP-0077 in-band registration" },
  registration_throttle_max: {
    check: v.int(0, 1_000_000),
    default: 10,
    doc: "registrations per IP address per period (0: no limit)",
  },
  registration_throttle_period: {
    check: v.seconds(1, 86400 * 7),
    default: 3600,
    doc: "seconds of the registration throttle window",
  },
  max_offline_messages: { check: v.int(0, 1_000_000), default: 100, doc: "messages kept per offline user" },
  vcard_max_size: {
    check: v.int(1024, 16 * 1024 * 1024),
    default: 128 * 1024,
    doc: "bytes of one account's serialized vCard (XEP-0054); a larger one is refused with not-acceptable",
  },
  private_max_size: {
    check: v.int(1024, 16 * 1024 * 1024),
    default: 128 * 1024,
    doc: "bytes of one private XML element (XEP-0049); a larger one is refused with not-acceptable",
  },
  c2s_sasl2: {
    check: v.bool,
    default: false,
    doc: "offer SASL2 (XEP-0388) with Bind2 (XEP-0386) beside RFC 6120 SASL: login and resource binding in one round trip",
  },
  sasl2_fast: {
    check: v.bool,
    default: false,
    doc: "FAST (XEP-0484) tokens over SASL2: a client reconnects with a token, without the password and without check_password (needs c2s_sasl2)",
  },
  sasl2_fast_token_ttl: {
    check: v.seconds(60, 86400 * 365),
    default: 86400 * 21,
    doc: "seconds a FAST token stays valid after it is issued (Prosody's default: 21 days)",
  },
  sasl2_fast_token_min_ttl: {
    check: v.seconds(0, 86400 * 365),
    default: 86400,
    doc: "a FAST login with a token that has less than this many seconds left gets a new token (rotation)",
  },
  sasl2_fast_user_exists: {
    check: v.bool,
    default: true,
    doc: "ask the API's user_exists at each FAST login, so a disabled account is refused at once (an API fault is temporary-auth-failure)",
  },
  pep_max_items: {
    check: v.int(1, 100_000),
    default: 256,
    doc: "items one PEP node keeps at most (XEP-0163); pubsub#max_items 'max' means this, a larger value is refused",
  },
  pep_max_nodes: {
    check: v.int(1, 10_000),
    default: 64,
    doc: "PEP nodes one account may have; creating one more is refused with resource-constraint",
  },
  pep_max_item_size: {
    check: v.int(1024, 16 * 1024 * 1024),
    default: 128 * 1024,
    doc: "bytes of one serialized PEP item payload; a larger one is refused with not-acceptable (payload-too-big)",
  },
  archive_expires_after: {
    check: archivePeriod,
    default: "1w",
    doc: 'how long archived messages (XEP-0313) are kept: "never", seconds, or "1d", "1w", "1m", "1y"',
  },
  default_archive_policy: {
    check: (x) =>
      typeof x === "boolean" || x === "roster"
        ? { ok: true as const, value: x }
        : { ok: false as const, message: 'must be true, false or "roster"' },
    default: true,
    doc: 'archive messages of users who set no preference: true (all), false (none) or "roster" (contacts)',
  },
  max_archive_query_results: {
    check: v.int(1, 1000),
    default: 50,
    doc: "most messages one archive query (XEP-0313) returns; a larger RSM max is lowered to it",
  },
  mam_include_total: {
    check: v.bool,
    default: false,
    doc: "answer archive queries with the RSM <count/> of every match (a second read, costly on large archives)",
  },
  smacks_hibernation_time: {
    check: v.seconds(1, 86400),
    default: 600,
    doc: "seconds a dropped session with stream management (XEP-0198) stays resumable",
  },
  smacks_max_queue_size: {
    check: v.int(1, 100_000),
    default: 500,
    doc: "unacknowledged stanzas a hibernating session keeps (XEP-0198); one more ends it (connected: twice this)",
  },
  smacks_max_unacked_stanzas: {
    check: v.int(0, 100_000),
    default: 0,
    doc: "stanzas sent before the server asks the client for an ack (XEP-0198 §4; 0: after each burst)",
  },
  push_notification_with_body: {
    check: v.bool,
    default: false,
    doc: "include the message body in push notifications (XEP-0357): it goes through the app server",
  },
  push_notification_with_sender: {
    check: v.bool,
    default: false,
    doc: "include the sender's JID in push notifications (XEP-0357)",
  },
  push_max_devices: {
    check: v.int(1, 100),
    default: 5,
    doc: "push registrations (XEP-0357) kept per account; the oldest goes when one more is enabled",
  },
  unlimited_jids: {
    check: bareJidList,
    default: [],
    doc: "accounts (bare JIDs) whose connections the `limits` rate does not apply to once they log in (bots, bridges)",
  },
  turn_external_secret: {
    check: optional(v.nonEmptyStr),
    default: undefined,
    doc: "the shared secret of a STUN/TURN server (coturn's static-auth-secret); set, clients are told of the server with short-lived credentials (XEP-0215), for audio and video calls",
  },
  turn_external_host: {
    check: optional(turnHost),
    default: undefined,
    doc: "the STUN/TURN server's host name or address; none: the XMPP host's name",
  },
  turn_external_port: {
    check: v.int(1, 65535),
    default: 3478,
    doc: "its STUN/TURN port (UDP, and TCP with turn_external_tcp)",
  },
  turn_external_user: {
    check: optional(v.nonEmptyStr),
    default: undefined,
    doc: "a name put after the expiry in the TURN username (expiry:name); none: the expiry alone",
  },
  turn_external_ttl: {
    check: v.int(60, 30 * 86400),
    default: 86400,
    doc: "seconds the TURN credentials given out are valid",
  },
  turn_external_tcp: { check: v.bool, default: false, doc: "also offer STUN and TURN over TCP" },
  turn_external_tls_port: {
    check: optional(v.int(1, 65535)),
    default: undefined,
    doc: "also offer TURN over TLS (turns) on this port",
  },
};

/** Top-level tables that belong to other components and are validated by them. */
export const OTHER_TABLES = ["hosts", "authd", "admin", "cluster", "components"] as const;
