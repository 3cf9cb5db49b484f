// RFC 5893 §2: the Bidi Rule, which RFC 8265 §3.3.1 applies to usernames holding right-to-left code points.
import { bidiClass, type BidiClass } from "./unicode-props.ts";

/** RFC 5893 §1.4: a string is right-to-left when it holds an R, AL or AN code point. */
export function hasRightToLeft(cps: readonly number[]): boolean {
  return cps.some((cp) => {
    const c = bidiClass(cp);
    return c === "R" || c === "AL" || c === "AN";
  });
}

const RTL_ALLOWED = new Set<BidiClass>(["R", "AL", "AN", "EN", "ES", "CS", "ET", "ON", "BN", "NSM"]);
const LTR_ALLOWED = new Set<BidiClass>(["L", "EN", "ES", "CS", "ET", "ON", "BN", "NSM"]);

/** Checks the six conditions; returns why the string fails, or undefined when it satisfies them. */
export function bidiRuleViolation(cps: readonly number[]): string | undefined {
  const classes = cps.map(bidiClass);
  const first = classes[0];
  if (first === undefined) return undefined;
  // 1. The first character decides the direction and must be strong.
  if (first !== "L" && first !== "R" && first !== "AL")
    return `Bidi Rule 1: the first code point is of class ${first}, not L, R or AL`;
  const rtl = first !== "L";
  const allowed = rtl ? RTL_ALLOWED : LTR_ALLOWED;
  // 2 (RTL) / 5 (LTR): only these classes may appear.
  const bad = classes.findIndex((c) => !allowed.has(c));
  if (bad >= 0) {
    const kind = rtl ? "right-to-left" : "left-to-right";
    return `Bidi Rule ${rtl ? 2 : 5}: a code point of class ${classes[bad]} at index ${bad} in a ${kind} string`;
  }
  // 3 (RTL) / 6 (LTR): the last non-NSM character ends the string with the right direction.
  let end = classes.length - 1;
  while (end > 0 && classes[end] === "NSM") end--;
  const last = classes[end]!;
  const endOk = rtl ? ["R", "AL", "EN", "AN"].includes(last) : last === "L" || last === "EN";
  if (!endOk) return `Bidi Rule ${rtl ? 3 : 6}: the last code point (before any NSM) is of class ${last}`;
  // 4 (RTL): European and Arabic-Indic numbers do not mix.
  if (rtl && classes.includes("EN") && classes.includes("AN")) return "Bidi Rule 4: mixes EN and AN digits";
  return undefined;
}
