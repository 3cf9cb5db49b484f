// How a boolean answer is spelled versus what it means. Prosody compares the body with `==`, so only
// exactly `true` is true; the checker still works out what a near-miss *meant*, so that a spelling
// mistake is reported once (by the boolean-body probe) and the logic probes can say whether the
// service's logic is right underneath.
import { BODY_FALSE, BODY_TRUE } from "../auth/http/protocol.ts";

export type BodyShape =
  "exact" | "trailing-newline" | "whitespace" | "case" | "json" | "html" | "empty" | "other";

export interface BodyReading {
  readonly shape: BodyShape;
  /** What the service meant, when that can be told; undefined when the body is not a yes/no. */
  readonly meaning: boolean | undefined;
}

function word(text: string): boolean | undefined {
  const t = text.toLowerCase();
  return t === BODY_TRUE ? true : t === BODY_FALSE ? false : undefined;
}

/** `{"result":true}`, `true` as JSON, `"true"`, or an object whose only boolean member is the answer. */
function jsonMeaning(text: string): boolean | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value === "boolean") return value;
  if (typeof value === "string") return word(value.trim());
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const booleans = Object.values(value).filter((v): v is boolean => typeof v === "boolean");
    return booleans.length === 1 ? booleans[0] : undefined;
  }
  return undefined;
}

export function readBooleanBody(body: string): BodyReading {
  if (body === BODY_TRUE) return { shape: "exact", meaning: true };
  if (body === BODY_FALSE) return { shape: "exact", meaning: false };
  if (body === "") return { shape: "empty", meaning: undefined };
  const trimmed = body.trim();
  if (/^\s*</.test(body)) return { shape: "html", meaning: undefined };
  if (trimmed === BODY_TRUE || trimmed === BODY_FALSE) {
    const onlyTrailingNewline = body.startsWith(trimmed) && /^[\r\n]+$/.test(body.slice(trimmed.length));
    return { shape: onlyTrailingNewline ? "trailing-newline" : "whitespace", meaning: word(trimmed) };
  }
  const w = word(trimmed);
  if (w !== undefined) return { shape: "case", meaning: w };
  if (/^[[{"]/.test(trimmed)) {
    const meaning = jsonMeaning(trimmed);
    if (meaning !== undefined || /^[[{]/.test(trimmed)) return { shape: "json", meaning };
  }
  return { shape: "other", meaning: undefined };
}

/** A body as it can be shown: quoted, escapes visible (`"true\n"`), cut to a readable length. */
export function showBody(body: string, max = 32): string {
  const cut = body.length > max ? body.slice(0, max) + "…" : body;
  return JSON.stringify(cut);
}

/** The specific complaint for a body that is not exactly `true` or `false`. */
export function describeShape(shape: BodyShape, body: string): string {
  const shown = showBody(body);
  switch (shape) {
    case "exact":
      return `exactly ${shown}`;
    case "trailing-newline":
      return `${shown} ends with a newline: Prosody compares with ==, so it is not ${shown.replace(/\\[rn]/g, "")}`;
    case "whitespace":
      return `${shown} has spaces around the word: Prosody compares the whole body with ==`;
    case "case":
      return `${shown} is not lower-case: Prosody compares with ==, so only "true" is true`;
    case "json":
      return `${shown} is JSON: the contract wants the bare word true or false, no JSON`;
    case "html":
      return `${shown} looks like an HTML page (an error page from a framework or proxy?)`;
    case "empty":
      return "the body is empty: the contract wants the bare word true or false";
    case "other":
      return `${shown} is not true or false`;
  }
}
