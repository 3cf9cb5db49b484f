// The options of an http_file_share component ([components."upload.example.com"]), with Prosody's
// names (mod_http_file_share): per-file size limit, daily quota per user, expiry, who may upload,
// and the external URL base for a reverse proxy. Validated once at start; an error names the key.
import * as v from "../../config/validators.ts";

export interface FileShareOptions {
  /** Largest file, in bytes. */
  readonly http_file_share_size_limit: number;
  /** Bytes one user may request slots for per 24 hours. */
  readonly http_file_share_daily_quota: number;
  /** Seconds an upload is kept (and its slot valid). */
  readonly http_file_share_expires_after: number;
  /** Bare JIDs or domains allowed to upload; empty: every account of this server's hosts. */
  readonly http_file_share_access: readonly string[];
  /** Base of the PUT/GET URLs (e.g. "https://upload.example.com"); undefined: from the listeners. */
  readonly http_external_url: string | undefined;
}

export const DEFAULT_SIZE_LIMIT = 10 * 1024 * 1024;
export const DEFAULT_EXPIRES_AFTER = 7 * 86400;
/** Largest value accepted for the size limit and quota: 64 GiB. */
const MAX_BYTES = 64 * 1024 ** 3;

const UNITS: Record<string, number> = {
  s: 1, sec: 1, secs: 1, second: 1, seconds: 1,
  m: 60, min: 60, mins: 60, minute: 60, minutes: 60,
  h: 3600, hour: 3600, hours: 3600,
  d: 86400, day: 86400, days: 86400,
  w: 7 * 86400, week: 7 * 86400, weeks: 7 * 86400,
  y: 365 * 86400, year: 365 * 86400, years: 365 * 86400,
}; // prettier-ignore

/** Seconds as a number, or a Prosody-like period: "3600", "90s", "12h", "7d", "1 week". */
export function period(min: number, max: number): v.Check<number> {
  return (value) => {
    let seconds: number | undefined;
    if (typeof value === "number") seconds = value;
    else if (typeof value === "string") {
      const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
      const unit = m?.[2] === "" ? 1 : UNITS[(m?.[2] ?? "").toLowerCase()];
      if (m !== null && unit !== undefined) seconds = Number(m[1]) * unit;
    }
    if (seconds === undefined || !Number.isFinite(seconds))
      return { ok: false, message: 'must be seconds or a period such as "12h", "7d" or "1 week"' };
    if (seconds < min || seconds > max)
      return { ok: false, message: `must be from ${min} to ${max} seconds` };
    return { ok: true, value: seconds };
  };
}

/** A bare JID ("user@example.com") or a domain ("example.com"): no resource, no spaces. */
const accessEntry: v.Check<string> = (value) =>
  typeof value === "string" && /^[^\s/@]+(@[^\s/@]+)?$/.test(value)
    ? { ok: true, value: value.toLowerCase() }
    : { ok: false, message: 'must be a bare JID or a domain, e.g. "alice@example.com" or "example.com"' };

/** The keys this module reads from its component table (besides `module`). */
export const FILE_SHARE_KEYS = [
  "http_file_share_size_limit",
  "http_file_share_daily_quota",
  "http_file_share_expires_after",
  "http_file_share_access",
  "http_external_url",
] as const;

/** Docs for docs/configuration.md and the schema listing. */
export const FILE_SHARE_DOCS: Readonly<Record<(typeof FILE_SHARE_KEYS)[number], string>> = {
  http_file_share_size_limit: "largest file a slot is given for, in bytes (default 10 MiB)",
  http_file_share_daily_quota:
    "bytes one user may request slots for per 24 hours (default 10 × the size limit)",
  http_file_share_expires_after:
    'seconds, or a period such as "7d", after which an upload is deleted (default 1 week)',
  http_file_share_access:
    "bare JIDs or domains allowed to upload (default: every account of this server's hosts)",
  http_external_url:
    "base of the upload and download URLs behind a reverse proxy (default: the first HTTPS, else HTTP, listener)",
};

/**
 * Reads the component's table (every key but `module`); a bad or unknown key throws
 * invalid(key, message). http_external_url unset here falls back to the top-level one at create().
 */
export function parseFileShareOptions(
  raw: Readonly<Record<string, unknown>>,
  invalid: (key: string, message: string) => Error,
): FileShareOptions {
  for (const key of Object.keys(raw))
    if (!(FILE_SHARE_KEYS as readonly string[]).includes(key))
      throw invalid(key, "is not an option of the http_file_share module");
  const read = <T>(key: (typeof FILE_SHARE_KEYS)[number], check: v.Check<T>, fallback: T): T => {
    if (!(key in raw)) return fallback;
    const r = check(raw[key]);
    if (!r.ok) throw invalid(key, r.message);
    return r.value;
  };
  const size = read("http_file_share_size_limit", v.int(1, MAX_BYTES), DEFAULT_SIZE_LIMIT);
  const quota = read("http_file_share_daily_quota", v.int(1, MAX_BYTES * 1024), size * 10);
  if (quota < size)
    throw invalid("http_file_share_daily_quota", `must be at least http_file_share_size_limit (${size})`);
  return Object.freeze({
    http_file_share_size_limit: size,
    http_file_share_daily_quota: quota,
    http_file_share_expires_after: read(
      "http_file_share_expires_after",
      period(60, 10 * 365 * 86400),
      DEFAULT_EXPIRES_AFTER,
    ),
    http_file_share_access: Object.freeze(
      read("http_file_share_access", v.list(accessEntry, { unique: true }), []),
    ),
    http_external_url: read("http_external_url", externalUrl, undefined),
  });
}

/** An absolute http(s) URL with no query, fragment or credentials; a trailing slash is dropped. */
export const externalUrl: v.Check<string> = (value) => {
  const r = v.httpUrl(value);
  if (!r.ok) return r;
  if (r.value.includes("$host")) return { ok: false, message: "must not contain $host" };
  return { ok: true, value: r.value.replace(/\/+$/, "") };
};
