// XEP-0313 §4.1 (filters in a XEP-0004 form: with, start, end, before-id, after-id, ids) and §4.3
// (XEP-0059 paging: max, after, before; an empty <before/> asks for the last page) read into a
// store query, or the stanza error the query earns: unknown fields are feature-not-implemented
// (§4.1.5), malformed values bad-request.
import type { Element } from "../../xml/element.ts";
import { NS_DATA, NS_MAM, NS_RSM } from "../../ns.ts";
import { tryParseJid } from "../../jid.ts";
import type { ArchiveQuery } from "../../storage/mam.ts";

export interface QueryError {
  readonly condition: "bad-request" | "feature-not-implemented" | "item-not-found";
  readonly text: string;
}

export interface ParsedQuery {
  readonly query: ArchiveQuery;
  /** XEP-0313 §4.3.4 (urn:xmpp:mam:2#extended): the page's results in reverse order. */
  readonly flip: boolean;
}

/** The ids field takes at most this many ids (each one is a row read). */
export const MAX_IDS = 100;

const FIELDS = new Set(["FORM_TYPE", "with", "start", "end", "before-id", "after-id", "ids"]);

/** XEP-0082 DateTime, e.g. 2010-06-07T00:00:00Z or with an offset and fractions. */
function parseDateTime(s: string): number | undefined {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s)) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : ms;
}

const fail = (condition: QueryError["condition"], text: string): QueryError => ({ condition, text });

export function parseQuery(
  payload: Element,
  limits: { defaultMax: number; maxMax: number; count: boolean },
): ParsedQuery | QueryError {
  const values = new Map<string, string[]>();
  const form = payload.getChild("x", NS_DATA);
  for (const field of form?.getChildren("field") ?? []) {
    const name = field.attrs.var ?? "";
    if (!FIELDS.has(name)) return fail("feature-not-implemented", `Unknown field: ${name.slice(0, 100)}`);
    values.set(
      name,
      field.getChildren("value").map((v) => v.text().trim()),
    );
  }
  const one = (name: string): string | undefined => values.get(name)?.[0];
  const formType = one("FORM_TYPE");
  if (formType !== undefined && formType !== NS_MAM)
    return fail("bad-request", "FORM_TYPE must be urn:xmpp:mam:2");

  let withJid: string | undefined;
  let withFull = false;
  const w = one("with");
  if (w !== undefined && w !== "") {
    const jid = tryParseJid(w);
    if (jid === undefined) return fail("bad-request", "'with' is not a JID");
    withJid = jid.toString();
    withFull = jid.resource !== undefined;
  }
  const time = (name: string): number | undefined | QueryError => {
    const s = one(name);
    if (s === undefined || s === "") return undefined;
    return parseDateTime(s) ?? fail("bad-request", `'${name}' is not a XEP-0082 DateTime`);
  };
  const start = time("start");
  if (typeof start === "object") return start;
  const end = time("end");
  if (typeof end === "object") return end;

  const ids = values.get("ids");
  if (ids !== undefined && ids.length > MAX_IDS) return fail("bad-request", `At most ${MAX_IDS} ids`);

  const rsm = payload.getChild("set", NS_RSM);
  const maxText = rsm?.getChildText("max");
  let max = limits.defaultMax;
  if (maxText !== undefined) {
    if (!/^\d{1,9}$/.test(maxText.trim())) return fail("bad-request", "RSM max must be a whole number");
    max = Math.min(Number(maxText.trim()), limits.maxMax);
  }
  if (rsm?.getChild("index") !== undefined)
    return fail("feature-not-implemented", "RSM index is not supported; page with after/before");
  const after = [one("after-id"), rsm?.getChildText("after")].filter(
    (x): x is string => x !== undefined && x !== "",
  );
  const beforeElement = rsm?.getChild("before");
  const before = [one("before-id"), beforeElement?.text()].filter(
    (x): x is string => x !== undefined && x !== "",
  );
  return {
    query: {
      with: withJid,
      withFull,
      start,
      end,
      after,
      before,
      ids,
      max,
      // XEP-0059 §2.5: <before/> (empty or with an id) pages backwards from the end of the range.
      backwards: beforeElement !== undefined,
      count: limits.count,
    },
    flip: payload.getChild("flip-page") !== undefined,
  };
}
