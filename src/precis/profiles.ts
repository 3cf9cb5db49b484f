// RFC 8265 §3.3 UsernameCaseMapped and §4.2 OpaqueString, the PRECIS profiles for usernames and passwords.
import { bidiRuleViolation, hasRightToLeft } from "./bidi-rule.ts";
import { fail, ok, type PrecisResult } from "./result.ts";
import { codePoints, stringClassViolation } from "./string-class.ts";
import { widthMapping } from "./unicode-props.ts";

// RFC 8265 §6: the rules are not idempotent for every code point, so apply them until the output is stable
// and give up after three re-applications.
function untilStable(input: string, once: (s: string) => PrecisResult): PrecisResult {
  let result = once(input);
  for (let extra = 0; extra < 3; extra++) {
    if (!result.ok) return result;
    const again = once(result.value);
    if (!again.ok || again.value === result.value) return again;
    result = again;
  }
  return result.ok ? fail("the string does not stabilise under the profile's rules") : result;
}

function usernameOnce(input: string): PrecisResult {
  // Preparation (§3.3.2): width mapping first, because HasCompat would otherwise reject fullwidth forms;
  // then the IdentifierClass check, before case mapping can hide a disallowed code point (U+212A KELVIN
  // SIGN lower-cases to an ASCII "k").
  const mapped = Array.from(input, (ch) => String.fromCodePoint(widthMapping(ch.codePointAt(0)!))).join("");
  const classError = stringClassViolation(codePoints(mapped), "identifier");
  if (classError) return fail(classError);
  // Enforcement (§3.3.3): case mapping with Unicode toLowerCase(), as the RFC prefers over case folding
  // (so "ß" stays "ß" and final sigma is handled by its context rule), then NFC, then directionality.
  const value = mapped.toLowerCase().normalize("NFC");
  const cps = codePoints(value);
  if (hasRightToLeft(cps)) {
    const bidiError = bidiRuleViolation(cps);
    if (bidiError) return fail(bidiError);
  }
  return value.length === 0 ? fail("empty after preparation") : ok(value);
}

function opaqueOnce(input: string): PrecisResult {
  // Preparation (§4.2.1): the FreeformClass check.
  const classError = stringClassViolation(codePoints(input), "freeform");
  if (classError) return fail(classError);
  // Enforcement (§4.2.2): no width or case mapping; non-ASCII spaces become U+0020; NFC; no Bidi Rule.
  const value = input.replace(/\p{Zs}/gu, " ").normalize("NFC");
  return value.length === 0 ? fail("empty after preparation") : ok(value);
}

/** RFC 8265 §3.3 UsernameCaseMapped: the localpart/authcid profile. */
export function usernameCaseMapped(input: string): PrecisResult {
  return untilStable(input, usernameOnce);
}

/** RFC 8265 §4.2 OpaqueString: the password profile. */
export function opaqueString(input: string): PrecisResult {
  return untilStable(input, opaqueOnce);
}
