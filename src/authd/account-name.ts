// The account key authd stores and answers for: (server, username), the username normalised with
// RFC 8265 §3.3 UsernameCaseMapped as an XMPP localpart (RFC 7622 §3.3: at most 1023 octets).
import { JID_PART_MAX_BYTES, domainPrep, usernameCaseMapped } from "../precis/index.ts";

// RFC 7622 §3.3.1: a localpart is at most 1023 octets once prepared.
const MAX_LOCALPART_BYTES = JID_PART_MAX_BYTES;

export type AccountNameResult =
  | { readonly ok: true; readonly user: string; readonly server: string }
  | { readonly ok: false; readonly field: "user" | "server"; readonly reason: string };

/** Normalises a username (RFC 8265) and a domain (RFC 7622 §3.2, as the server prepares its hosts). */
export function normaliseAccount(user: string, server: string): AccountNameResult {
  if (Buffer.byteLength(user, "utf8") > MAX_LOCALPART_BYTES * 4)
    return { ok: false, field: "user", reason: "too long" };
  const prepared = usernameCaseMapped(user);
  if (!prepared.ok) return { ok: false, field: "user", reason: prepared.reason };
  if (Buffer.byteLength(prepared.value, "utf8") > MAX_LOCALPART_BYTES)
    return { ok: false, field: "user", reason: "too long" };
  if (server === "") return { ok: false, field: "server", reason: "empty server" };
  const domain = domainPrep(server);
  if (!domain.ok) return { ok: false, field: "server", reason: domain.reason };
  return { ok: true, user: prepared.value, server: domain.value };
}

/** A domain as the server prepares its hosts (RFC 7622 §3.2), or undefined when it is not one. */
export function normaliseDomain(domain: string): string | undefined {
  const prepared = domainPrep(domain);
  return prepared.ok ? prepared.value : undefined;
}
