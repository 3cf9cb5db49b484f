// RFC 5892 Appendix A: the contextual rules for CONTEXTJ and CONTEXTO code points, as PRECIS reuses them
// (RFC 8264 §9.6, §9.8). Each rule sees the whole string as code points and the position being checked.
import { isVirama, joiningType } from "./unicode-props.ts";

const ZWNJ = 0x200c;
const ZWJ = 0x200d;

const GREEK = /^\p{Script=Greek}$/u;
const HEBREW = /^\p{Script=Hebrew}$/u;
const HIRAGANA_KATAKANA_HAN = /^[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]$/u;

function script(re: RegExp, cp: number | undefined): boolean {
  return cp !== undefined && re.test(String.fromCodePoint(cp));
}

/** A.1: ZWNJ after a virama, or between a left/dual-joining and a right/dual-joining letter (T skipped). */
function zwnjAllowed(cps: readonly number[], i: number): boolean {
  const before = cps[i - 1];
  if (before !== undefined && isVirama(before)) return true;
  let j = i - 1;
  while (j >= 0 && joiningType(cps[j]!) === "T") j--;
  const left = j >= 0 ? joiningType(cps[j]!) : "U";
  if (left !== "L" && left !== "D") return false;
  let k = i + 1;
  while (k < cps.length && joiningType(cps[k]!) === "T") k++;
  const right = k < cps.length ? joiningType(cps[k]!) : "U";
  return right === "R" || right === "D";
}

/** True when the contextual rule for cps[i] holds. Code points without a rule (none should reach here) fail. */
export function contextRuleHolds(cps: readonly number[], i: number): boolean {
  const cp = cps[i]!;
  const before = cps[i - 1];
  const after = cps[i + 1];
  if (cp === ZWNJ) return zwnjAllowed(cps, i);
  if (cp === ZWJ) return before !== undefined && isVirama(before); // A.2
  if (cp === 0x00b7) return before === 0x006c && after === 0x006c; // A.3 MIDDLE DOT: only in "l·l" (Catalan)
  if (cp === 0x0375) return script(GREEK, after); // A.4 GREEK LOWER NUMERAL SIGN
  if (cp === 0x05f3 || cp === 0x05f4) return script(HEBREW, before); // A.5, A.6 GERESH, GERSHAYIM
  // A.7 KATAKANA MIDDLE DOT: some code point of the string is Hiragana, Katakana or Han. U+30FB itself is
  // Script=Common, so it never satisfies the rule alone.
  if (cp === 0x30fb) return cps.some((c) => script(HIRAGANA_KATAKANA_HAN, c));
  // A.8, A.9: Arabic-Indic and Extended Arabic-Indic digits must not be mixed in one string.
  if (cp >= 0x0660 && cp <= 0x0669) return !cps.some((c) => c >= 0x06f0 && c <= 0x06f9);
  if (cp >= 0x06f0 && cp <= 0x06f9) return !cps.some((c) => c >= 0x0660 && c <= 0x0669);
  return false;
}
