// The account key authd stores and answers for: (server, username), the username normalised with
// RFC 8265 §3.3 UsernameCaseMapped as an XMPP localpart (RFC 7622 §3.3: at most 1023 octets).
import { usernameCaseMapped } from "../precis/index.ts";

/** RFC 7622 §3.3.1: a localpart is at most 1023 octets once prepared. */
export const MAX_LOCALPART_BYTES = 1023;

export type AccountNameResult =
  | { readonly ok: true; readonly user: string; readonly server: string }
  | { readonly ok: false; readonly reason: string };

/** Normalises a username and a domain; `server` is compared and stored in lower case. */
export function normaliseAccount(user: string, server: string): AccountNameResult {
  if (Buffer.byteLength(user, "utf8") > MAX_LOCALPART_BYTES * 4) return { ok: false, reason: "too long" };
  const prepared = usernameCaseMapped(user);
  if (!prepared.ok) return { ok: false, reason: prepared.reason };
  if (Buffer.byteLength(prepared.value, "utf8") > MAX_LOCALPART_BYTES)
    return { ok: false, reason: "too long" };
  const domain = server.toLowerCase();
  if (domain === "") return { ok: false, reason: "empty server" };
  return { ok: true, user: prepared.value, server: domain };
}
