// The wire contract of Prosody's mod_auth_http: the single statement of it, imported by the
// provider (client side), authd (server side) and the conformance checker, so they cannot drift.
// Spec: docs/http-auth-protocol.md (observed from Prosody 0.12.3 + mod_auth_http).

export const METHODS = ["check_password", "user_exists", "register", "set_password", "remove_user"] as const;
export type Method = (typeof METHODS)[number];

/**
 * MongooseIM's extension (its http auth method; docs/http-auth-protocol.md, "get_password"): the
 * user's SCRAM credentials in MongooseIM's serialisation. Optional; asked only with http_auth_scram.
 */
export const EXTENSION_METHODS = ["get_password"] as const;
export type ExtensionMethod = (typeof EXTENSION_METHODS)[number];
export type AnyMethod = Method | ExtensionMethod;

export type Verb = "GET" | "POST";

export interface MethodContract {
  readonly verb: Verb;
  /** Whether the request carries `pass` (the password, or the new one for set_password). */
  readonly withPassword: boolean;
  /** Statuses that mean success. */
  readonly ok: readonly number[];
  /** Boolean methods answer 200 with a body of exactly `true` or `false`. */
  readonly booleanBody: boolean;
  /** Statuses with a defined meaning other than success (409: the user exists). */
  readonly conflict?: number;
  /** A service must implement these; the others may answer 501. */
  readonly mandatory: boolean;
}

export const CONTRACT: Readonly<Record<AnyMethod, MethodContract>> = Object.freeze({
  check_password: { verb: "GET", withPassword: true, ok: [200], booleanBody: true, mandatory: true },
  user_exists: { verb: "GET", withPassword: false, ok: [200], booleanBody: true, mandatory: true },
  register: {
    verb: "POST",
    withPassword: true,
    ok: [201],
    booleanBody: false,
    conflict: 409,
    mandatory: false,
  },
  set_password: {
    verb: "POST",
    withPassword: true,
    ok: [200, 201, 204],
    booleanBody: false,
    mandatory: false,
  },
  remove_user: {
    verb: "POST",
    withPassword: false,
    ok: [200, 201, 204],
    booleanBody: false,
    mandatory: false,
  },
  // 200 with the credentials; 404 (not an HTML page) is "no such user", as in MongooseIM.
  get_password: { verb: "GET", withPassword: false, ok: [200], booleanBody: false, mandatory: false },
});

export function isMethod(name: string): name is Method {
  return (METHODS as readonly string[]).includes(name);
}

export function isAnyMethod(name: string): name is AnyMethod {
  return isMethod(name) || (EXTENSION_METHODS as readonly string[]).includes(name);
}

/** 501 is how a service says it does not implement a method. */
export const STATUS_NOT_IMPLEMENTED = 501;

/** The exact bodies of a boolean answer: no newline, no other case (Prosody compares with ==). */
export const BODY_TRUE = "true";
export const BODY_FALSE = "false";

/** Correct spelling; Prosody 0.12 sends `application/x/www-form-urlencoded`, which services must accept too. */
export const FORM_CONTENT_TYPE = "application/x-www-form-urlencoded";
export const PROSODY_FORM_CONTENT_TYPE = "application/x/www-form-urlencoded";

export interface Params {
  /** The normalised localpart (RFC 8265 UsernameCaseMapped). */
  readonly user: string;
  /** The virtual host. */
  readonly server: string;
  /** The password (the new one for set_password); only for methods with `withPassword`. */
  readonly pass?: string;
}

/** Parameter order we send: the order Prosody sent in the recordings. Services must read by name. */
export const PARAM_ORDER = ["user", "pass", "server"] as const;

const UNRESERVED = /[A-Za-z0-9._~-]/;

/**
 * Form-encode one value as Prosody does (observed): unreserved ASCII stays, space becomes `+`,
 * every other UTF-8 byte is `%xx` in lower-case hex.
 */
const ALL_UNRESERVED = /^[A-Za-z0-9._~-]*$/;

export function encodeValue(value: string): string {
  if (ALL_UNRESERVED.test(value)) return value; // the common case: nothing to escape
  let out = "";
  for (const byte of Buffer.from(value, "utf8")) {
    const ch = String.fromCharCode(byte);
    if (byte < 0x80 && UNRESERVED.test(ch)) out += ch;
    else if (byte === 0x20) out += "+";
    else out += "%" + byte.toString(16).padStart(2, "0");
  }
  return out;
}

/** The query string (GET) or form body (POST) for a call, parameters in PARAM_ORDER. */
export function encodeParams(method: AnyMethod, params: Params): string {
  const parts: string[] = [];
  for (const key of PARAM_ORDER) {
    if (key === "pass" && !CONTRACT[method].withPassword) continue;
    const value = params[key];
    if (value === undefined) continue;
    parts.push(`${key}=${encodeValue(value)}`);
  }
  return parts.join("&");
}

/**
 * The base URL for a host: `$host` replaced by the host name, one trailing `/` removed.
 * Each call goes to `<base>/<method>`.
 */
export function baseUrlFor(template: string, host: string): string {
  const base = template.replaceAll("$host", host);
  return base.endsWith("/") ? base.slice(0, -1) : base;
}

export function methodUrl(base: string, method: AnyMethod): string {
  return `${base}/${method}`;
}

/** The `Authorization` header value for `user:secret` credentials. */
export function basicAuthorization(credentials: string): string {
  return "Basic " + Buffer.from(credentials, "utf8").toString("base64");
}
