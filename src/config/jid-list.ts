// A list of account JIDs in configuration (Prosody's `admins`): each prepared (RFC 7622) and bare, so
// comparing one with a session's bare JID is a string comparison.
import { tryParseJid } from "../jid.ts";
import type { Check } from "./validators.ts";

export const bareJidList: Check<readonly string[]> = (v) => {
  if (!Array.isArray(v))
    return { ok: false, message: 'must be a list of JIDs such as ["admin@example.com"]' };
  const out: string[] = [];
  for (const [i, x] of v.entries()) {
    const jid = typeof x === "string" ? tryParseJid(x) : undefined;
    if (jid === undefined || jid.local === undefined || jid.resource !== undefined)
      return {
        ok: false,
        message: `item ${i + 1} must be an account's bare JID such as "admin@example.com"`,
      };
    const bare = jid.toString();
    if (!out.includes(bare)) out.push(bare);
  }
  return { ok: true, value: out };
};
