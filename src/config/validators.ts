// Small typed validators for configuration values. Each returns the value or a message saying what
// is wrong; the schema turns a message into an error naming the key and the file.

import { addressListEntryError } from "../limits/client-address.ts";
export type Check<T> = (value: unknown) => { ok: true; value: T } | { ok: false; message: string };

const fail = (message: string) => ({ ok: false as const, message });

/** A TOML table (smol-toml gives dates as Date objects, which are not tables). */
export function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}
const pass = <T>(value: T) => ({ ok: true as const, value });

export const bool: Check<boolean> = (v) => (typeof v === "boolean" ? pass(v) : fail("must be true or false"));

export const str: Check<string> = (v) => (typeof v === "string" ? pass(v) : fail("must be a string"));

export const nonEmptyStr: Check<string> = (v) =>
  typeof v === "string" && v.length > 0 ? pass(v) : fail("must be a non-empty string");

export function int(min: number, max: number): Check<number> {
  return (v) =>
    typeof v === "number" && Number.isInteger(v) && v >= min && v <= max
      ? pass(v)
      : fail(`must be a whole number from ${min} to ${max}`);
}

/** Seconds, possibly fractional (Prosody's options are in seconds). */
export function seconds(min: number, max: number): Check<number> {
  return (v) =>
    typeof v === "number" && Number.isFinite(v) && v >= min && v <= max
      ? pass(v)
      : fail(`must be a number of seconds from ${min} to ${max}`);
}

export function oneOf<T extends string>(...allowed: T[]): Check<T> {
  return (v) =>
    typeof v === "string" && (allowed as string[]).includes(v)
      ? pass(v as T)
      : fail(`must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`);
}

export function list<T>(item: Check<T>, opts: { unique?: boolean } = {}): Check<readonly T[]> {
  return (v) => {
    if (!Array.isArray(v)) return fail("must be a list");
    const out: T[] = [];
    for (const [i, x] of v.entries()) {
      const r = item(x);
      if (!r.ok) return fail(`item ${i + 1} ${r.message}`);
      if (opts.unique === true && out.includes(r.value)) return fail(`item ${i + 1} is repeated`);
      out.push(r.value);
    }
    return pass(out);
  };
}

export const port = int(0, 65535);

/** An absolute http(s) URL; `$host` may appear anywhere in it (expanded per virtual host). */
export const httpUrl: Check<string> = (v) => {
  if (typeof v !== "string") return fail("must be a URL string");
  let u: URL;
  try {
    u = new URL(v.replaceAll("$host", "example.com"));
  } catch {
    return fail("is not a valid URL");
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return fail("must be an http:// or https:// URL");
  if (u.search !== "" || u.hash !== "") return fail("must not have a query string or fragment");
  if (u.username !== "" || u.password !== "")
    return fail("must not hold credentials: use http_auth_credentials");
  return pass(v);
};

/** `user:secret` for HTTP Basic authentication. */
export const credentials: Check<string> = (v) =>
  typeof v === "string" && /^[^:]+:.+$/s.test(v) ? pass(v) : fail('must look like "user:secret"');

/** A listening address: an IPv4 or IPv6 literal, a host name, or "*" for all. */
export const address: Check<string> = (v) =>
  typeof v === "string" && v.length > 0 && !/\s/.test(v)
    ? pass(v)
    : fail('must be an address such as "127.0.0.1", "::" or "*"');

/** IP literals and CIDR ranges ("127.0.0.1", "::1", "10.0.0.0/8"): trusted proxies, /metrics readers. */
export const addressList: Check<readonly string[]> = (v) => {
  const r = list(str, { unique: true })(v);
  if (!r.ok) return r;
  for (const [i, entry] of r.value.entries()) {
    const error = addressListEntryError(entry);
    if (error !== undefined) return fail(`item ${i + 1}: ${error}`);
  }
  return r;
};

/** One CIDR range such as "172.17.2.0/24" (Prosody's openmetrics_allow_cidr). */
export const cidr: Check<string> = (v) => {
  if (typeof v !== "string" || !v.includes("/")) return fail('must be a CIDR range such as "10.0.0.0/8"');
  const error = addressListEntryError(v);
  return error === undefined ? pass(v) : fail(error);
};

/** A bearer token: long enough not to be guessed, and only characters a header carries as they are. */
export const token: Check<string> = (v) =>
  typeof v === "string" && /^[A-Za-z0-9._~+/=-]{16,512}$/.test(v)
    ? pass(v)
    : fail("must be 16 to 512 characters of A-Z, a-z, 0-9 and ._~+/=-");

export type ProxiedService = "c2s" | "c2s_direct_tls" | "http" | "https";

/** mod_net_proxy's `proxy_port_mappings`: port → the service spoken after the PROXY header. */
export const portMappings: Check<Readonly<Record<string, ProxiedService>>> = (v) => {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    return fail('must be a table such as { 15222 = "c2s" }');
  const out: Record<string, ProxiedService> = {};
  for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
    const p = port(Number(k));
    if (!/^\d+$/.test(k) || !p.ok) return fail(`key "${k}" is not a port number`);
    const svc = oneOf<ProxiedService>("c2s", "c2s_direct_tls", "http", "https")(s);
    if (!svc.ok) return fail(`port ${k} ${svc.message}`);
    out[k] = svc.value;
  }
  return pass(out);
};
