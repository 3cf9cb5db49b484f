// RFC 8264 §8-§9: the PRECIS derived property of a code point, computed from Node's Unicode data.
// RegExp property escapes come from Node's ICU, so the result follows process.versions.unicode.

/**
 * The derived property values of RFC 8264 §8. FREE_PVAL stands for the spec's "ID_DIS or FREE_PVAL":
 * valid in the FreeformClass, disallowed in the IdentifierClass.
 */
export type DerivedProperty = "PVALID" | "FREE_PVAL" | "CONTEXTJ" | "CONTEXTO" | "DISALLOWED" | "UNASSIGNED";

// RFC 8264 §9.6 Exceptions (F) = RFC 5892 §2.6 (41 code points).
const EXCEPTIONS: ReadonlyMap<number, DerivedProperty> = new Map<number, DerivedProperty>([
  ...[0x00df, 0x03c2, 0x06fd, 0x06fe, 0x0f0b, 0x3007].map((cp) => [cp, "PVALID"] as const),
  ...[0x00b7, 0x0375, 0x05f3, 0x05f4, 0x30fb].map((cp) => [cp, "CONTEXTO"] as const),
  ...range(0x0660, 0x0669).map((cp) => [cp, "CONTEXTO"] as const),
  ...range(0x06f0, 0x06f9).map((cp) => [cp, "CONTEXTO"] as const),
  ...[0x0640, 0x07fa, 0x302e, 0x302f, 0x303b].map((cp) => [cp, "DISALLOWED"] as const),
  ...range(0x3031, 0x3035).map((cp) => [cp, "DISALLOWED"] as const),
]);

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

// RFC 8264 §9.9 OldHangulJamo (I): Hangul_Syllable_Type L, V or T (HangulSyllableType.txt). RegExp has no
// escape for this property; the ranges have been stable since Unicode 5.2.
const OLD_HANGUL_JAMO: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x11ff], // L 1100..115F, V 1160..11A7, T 11A8..11FF
  [0xa960, 0xa97c], // L
  [0xd7b0, 0xd7c6], // V
  [0xd7cb, 0xd7fb], // T
];

const UNASSIGNED = /^\p{Cn}$/u; // §9.10 (J), noncharacters are taken out below
const NONCHARACTER = /^\p{Noncharacter_Code_Point}$/u;
const JOIN_CONTROL = /^\p{Join_Control}$/u; // §9.8 (H)
const IGNORABLE = /^[\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}]$/u; // §9.13 (M)
const CONTROLS = /^\p{Cc}$/u; // §9.12 (L)
const LETTER_DIGITS = /^[\p{Ll}\p{Lu}\p{Lo}\p{Nd}\p{Lm}\p{Mn}\p{Mc}]$/u; // §9.1 (A)
const OTHER_LETTER_DIGITS = /^[\p{Lt}\p{Nl}\p{No}\p{Me}]$/u; // §9.18 (R)
const SPACES = /^\p{Zs}$/u; // §9.14 (N)
const SYMBOLS = /^[\p{Sm}\p{Sc}\p{Sk}\p{So}]$/u; // §9.15 (O)
const PUNCTUATION = /^\p{P}$/u; // §9.16 (P): Pc Pd Ps Pe Pi Pf Po, i.e. all of P

function hasCompat(ch: string): boolean {
  return ch.normalize("NFKC") !== ch; // §9.17 (Q)
}

function isOldHangulJamo(cp: number): boolean {
  return OLD_HANGUL_JAMO.some(([lo, hi]) => cp >= lo && cp <= hi);
}

/** RFC 8264 §8, in the order given there: the first category that holds the code point decides. */
export function derivedProperty(cp: number): DerivedProperty {
  const exception = EXCEPTIONS.get(cp);
  if (exception) return exception;
  // BackwardCompatible (§9.7, G) is empty.
  const ch = String.fromCodePoint(cp);
  if (UNASSIGNED.test(ch) && !NONCHARACTER.test(ch)) return "UNASSIGNED";
  if (cp >= 0x21 && cp <= 0x7e) return "PVALID"; // ASCII7, §9.11 (K)
  if (JOIN_CONTROL.test(ch)) return "CONTEXTJ";
  if (isOldHangulJamo(cp)) return "DISALLOWED";
  if (IGNORABLE.test(ch)) return "DISALLOWED";
  if (CONTROLS.test(ch)) return "DISALLOWED";
  if (hasCompat(ch)) return "FREE_PVAL";
  if (LETTER_DIGITS.test(ch)) return "PVALID";
  if (OTHER_LETTER_DIGITS.test(ch) || SPACES.test(ch) || SYMBOLS.test(ch) || PUNCTUATION.test(ch))
    return "FREE_PVAL";
  return "DISALLOWED"; // surrogates, private use, Zl, Zp, Cf that is not default-ignorable
}
