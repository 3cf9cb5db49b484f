// PLACEHOLDER until the PRECIS work lands: the signatures are final, the bodies are not.
export type PrecisResult = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly reason: string };

/** RFC 8265 §3.3 UsernameCaseMapped: the localpart/authcid profile. */
export function usernameCaseMapped(input: string): PrecisResult {
  const value = input.normalize("NFC").toLowerCase();
  return value.length === 0 ? { ok: false, reason: "empty" } : { ok: true, value };
}

/** RFC 8265 §4.2 OpaqueString: the password profile. */
export function opaqueString(input: string): PrecisResult {
  const value = input.normalize("NFC");
  return value.length === 0 ? { ok: false, reason: "empty" } : { ok: true, value };
}
