// The bench's own configuration for Debian's Prosody 0.12, made here so the bench runs from any
// clone: loopback only, no s2s, logging at info like our server in the bench, and (for STARTTLS) a
// certificate of the same key type as ours (ECDSA P-256), so both sides pay the same TLS cost.

export interface ProsodyConfigOptions {
  readonly runDir: string;
  readonly port: number;
  /** Directory holding mod_auth_http/mod_auth_http.lua; undefined: only internal.test. */
  readonly modDir: string | undefined;
  readonly apiUrl: string;
  /** Certificate and key for STARTTLS (encryption then required); undefined: plain TCP. */
  readonly tls: { readonly cert: string; readonly key: string } | undefined;
  /** Lines appended at the end (e.g. `Component "conference.internal.test" "muc"`). */
  readonly extra?: readonly string[];
}

const lua = (s: string) => JSON.stringify(s);

export function prosodyConfig(o: ProsodyConfigOptions): string {
  const lines = [
    "-- Written by the xmpp-http-auth bench (bench/targets/prosody-config.ts).",
    "run_as_root = true",
    `pidfile = ${lua(`${o.runDir}/prosody.pid`)}`,
    `data_path = ${lua(`${o.runDir}/data`)}`,
    `plugin_paths = { ${o.modDir === undefined ? "" : lua(o.modDir)} }`,
    `log = { { levels = { min = "info" }, to = "file", filename = ${lua(`${o.runDir}/prosody.log`)} } }`,
    'network_backend = "epoll"',
    `c2s_ports = { ${o.port} }`,
    'c2s_interfaces = { "127.0.0.1" }',
    "c2s_direct_tls_ports = { }",
    "legacy_ssl_ports = { }",
    "s2s_ports = { }",
    "http_ports = { }",
    "https_ports = { }",
    o.tls === undefined ? 'modules_disabled = { "s2s"; "tls" }' : 'modules_disabled = { "s2s" }',
    `c2s_require_encryption = ${o.tls !== undefined}`,
    "allow_unencrypted_plain_auth = true",
    `modules_enabled = { ${o.tls === undefined ? "" : '"tls"; '}"roster"; "saslauth"; "disco"; "ping"; "register" }`,
    "allow_registration = true",
    'registration_whitelist = { "127.0.0.1", "::1" }',
    "min_seconds_between_registrations = 0",
  ];
  if (o.tls !== undefined) lines.push(`ssl = { certificate = ${lua(o.tls.cert)}; key = ${lua(o.tls.key)} }`);
  lines.push("", "-- Prosody's own plaintext store: a baseline with no HTTP at all.");
  lines.push('VirtualHost "internal.test"', '\tauthentication = "internal_plain"');
  if (o.modDir !== undefined)
    lines.push(
      "",
      'VirtualHost "http.test"',
      '\tauthentication = "http"',
      `\thttp_auth_url = ${lua(o.apiUrl)}`,
    );
  if (o.extra !== undefined && o.extra.length > 0) lines.push("", ...o.extra);
  return lines.join("\n") + "\n";
}
