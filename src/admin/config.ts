// The `[admin]` table: where the admin page listens and the token that guards it. Present means
// enabled. Loopback-only by default; any other address requires a token (no page that changes
// accounts is ever open to the network).
import { XhaError } from "../errors.ts";
import * as v from "../config/validators.ts";

export interface AdminConfig {
  readonly interfaces: readonly string[];
  readonly port: number;
  /** Sent by the page as the X-Admin-Token header; none: loopback only. */
  readonly token: string | undefined;
}

export const ADMIN_DEFAULTS: AdminConfig = Object.freeze({
  interfaces: Object.freeze(["127.0.0.1"]),
  port: 5290,
  token: undefined,
});

const CHECKS: { readonly [K in keyof AdminConfig]-?: v.Check<AdminConfig[K]> } = {
  interfaces: v.list(v.address, { unique: true }),
  port: v.port,
  token: (value) =>
    typeof value === "string" && value.length >= 16
      ? { ok: true, value }
      : { ok: false, message: "must be a string of at least 16 characters" },
};

export const ADMIN_KEYS = Object.keys(CHECKS) as (keyof AdminConfig)[];

export const isLoopback = (iface: string): boolean =>
  iface === "::1" || iface === "localhost" || iface.startsWith("127.");

const invalid = (file: string, key: string, message: string) =>
  new XhaError("XHA_CONFIG_INVALID", `${file}: admin.${key} ${message}`);

/** Validates the raw `[admin]` table; undefined when there is none (the page is off). */
export function parseAdminConfig(raw: unknown, file: string): AdminConfig | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new XhaError("XHA_CONFIG_INVALID", `${file}: admin must be a table`);
  const table = raw as Record<string, unknown>;
  const out: Record<string, unknown> = { ...ADMIN_DEFAULTS };
  for (const [key, value] of Object.entries(table)) {
    const check = CHECKS[key as keyof AdminConfig] as v.Check<unknown> | undefined;
    if (check === undefined)
      throw invalid(file, key, `is not a known option (known: ${ADMIN_KEYS.join(", ")})`);
    const r = check(value);
    if (!r.ok) throw invalid(file, key, r.message);
    out[key] = r.value;
  }
  const config = Object.freeze(out) as unknown as AdminConfig;
  if (config.token === undefined && !config.interfaces.every(isLoopback))
    throw invalid(file, "token", "is required when admin.interfaces lists an address other than loopback");
  return config;
}
