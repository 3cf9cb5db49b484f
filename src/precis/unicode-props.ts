// Unicode properties PRECIS needs beyond what RegExp \p{...} offers, answered from the generated tables.
import { classLookup, mappingLookup } from "./range-table.ts";
import { BIDI_CLASS_RANGES, JOINING_TYPE_RANGES, VIRAMA_RANGES, WIDTH_MAPPINGS } from "./ucd-tables.ts";

/** The Bidi_Class values the Bidi Rule (RFC 5893 §2) tells apart; "X" is every class it forbids outright. */
export type BidiClass = "L" | "R" | "AL" | "AN" | "EN" | "ES" | "CS" | "ET" | "ON" | "BN" | "NSM" | "X";

const BIDI_FROM_LETTER: Readonly<Record<string, BidiClass>> = {
  R: "R",
  A: "AL",
  N: "AN",
  E: "EN",
  S: "ES",
  C: "CS",
  T: "ET",
  O: "ON",
  B: "BN",
  M: "NSM",
  X: "X",
};

const bidiLetter = classLookup(BIDI_CLASS_RANGES);
const joiningLetter = classLookup(JOINING_TYPE_RANGES);
const viramaLetter = classLookup(VIRAMA_RANGES);
const widthTarget = mappingLookup(WIDTH_MAPPINGS);

export function bidiClass(cp: number): BidiClass {
  const letter = bidiLetter(cp);
  return letter === undefined ? "L" : (BIDI_FROM_LETTER[letter] ?? "X");
}

/** Joining_Type D, L, R or T; "U" stands for every other value (U and C), which RFC 5892 A.1 never asks for. */
export function joiningType(cp: number): "D" | "L" | "R" | "T" | "U" {
  const letter = joiningLetter(cp);
  return letter === "D" || letter === "L" || letter === "R" || letter === "T" ? letter : "U";
}

/** Canonical_Combining_Class(cp) = Virama (9). */
export function isVirama(cp: number): boolean {
  return viramaLetter(cp) !== undefined;
}

/** The <wide>/<narrow> decomposition mapping of cp (UAX #11), or cp itself. */
export function widthMapping(cp: number): number {
  return widthTarget(cp) ?? cp;
}
