// RFC 8264 §4.2 IdentifierClass and §4.3 FreeformClass: which derived property values each class admits.
import { contextRuleHolds } from "./context-rules.ts";
import { derivedProperty } from "./derived-property.ts";
import { hexCp } from "./result.ts";

export type StringClass = "identifier" | "freeform";

export function codePoints(s: string): number[] {
  return Array.from(s, (ch) => ch.codePointAt(0)!);
}

/** Returns why the code points do not conform to the class, or undefined when they do. */
export function stringClassViolation(cps: readonly number[], cls: StringClass): string | undefined {
  for (let i = 0; i < cps.length; i++) {
    const cp = cps[i]!;
    const prop = derivedProperty(cp);
    switch (prop) {
      case "PVALID":
        continue;
      case "FREE_PVAL":
        if (cls === "freeform") continue;
        return `${hexCp(cp)} at index ${i} is not allowed in the IdentifierClass`;
      case "CONTEXTJ":
      case "CONTEXTO":
        if (contextRuleHolds(cps, i)) continue;
        return `${hexCp(cp)} at index ${i} is not allowed in this context (RFC 5892 Appendix A)`;
      case "UNASSIGNED":
        return `${hexCp(cp)} at index ${i} is unassigned`;
      case "DISALLOWED":
        return `${hexCp(cp)} at index ${i} is disallowed`;
    }
  }
  return undefined;
}
