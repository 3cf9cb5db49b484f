// Parsing of a XEP-0313 query (urn:xmpp:mam:2, §4.1) with its XEP-0004 form (with, start, end,
// before-id, after-id) and XEP-0059 paging (max, after, before). One small file on purpose: user MAM
// (another branch) parses the same query, so the two can be unified later.
import type { Element } from "../../xml/element.ts";
import { NS_DATA } from "../../ns.ts";
import { NS_MAM, NS_RSM } from "./ns.ts";

export interface MamQuery {
  readonly queryId: string | undefined;
  readonly with: string | undefined;
  readonly start: number | undefined;
  readonly end: number | undefined;
  readonly afterId: string | undefined;
  readonly beforeId: string | undefined;
  readonly max: number;
  /** RSM <before/> (empty or with an id): the page nearest the end. */
  readonly fromEnd: boolean;
}

export const MAM_DEFAULT_MAX = 50;
export const MAM_MAX = 250;

/** The query, or a reason for bad-request. */
export function parseMamQuery(query: Element): MamQuery | string {
  const fields = new Map<string, string>();
  const form = query.getChild("x", NS_DATA);
  for (const f of form?.getChildren("field") ?? [])
    if (f.attrs.var !== undefined) fields.set(f.attrs.var, f.getChildText("value") ?? "");
  const formType = fields.get("FORM_TYPE");
  if (form !== undefined && formType !== undefined && formType !== NS_MAM)
    return "FORM_TYPE must be urn:xmpp:mam:2";
  const time = (name: string): number | undefined | string => {
    const v = fields.get(name);
    if (v === undefined) return undefined;
    const t = Date.parse(v);
    return Number.isNaN(t) ? `${name} is not a XEP-0082 timestamp` : t;
  };
  const start = time("start");
  const end = time("end");
  if (typeof start === "string") return start;
  if (typeof end === "string") return end;
  const set = query.getChild("set", NS_RSM);
  const maxText = set?.getChildText("max");
  let max = MAM_DEFAULT_MAX;
  if (maxText !== undefined) {
    if (!/^\d{1,6}$/.test(maxText.trim())) return "RSM max must be a whole number";
    max = Math.min(Number(maxText.trim()), MAM_MAX);
  }
  const rsmAfter = set?.getChildText("after");
  const before = set?.getChild("before");
  const rsmBefore = before?.text();
  const nonEmpty = (s: string | undefined) => (s === undefined || s === "" ? undefined : s);
  return {
    queryId: query.attrs.queryid?.slice(0, 256),
    with: nonEmpty(fields.get("with")),
    start,
    end,
    afterId: nonEmpty(rsmAfter) ?? nonEmpty(fields.get("after-id")),
    beforeId: nonEmpty(rsmBefore) ?? nonEmpty(fields.get("before-id")),
    max,
    fromEnd: before !== undefined,
  };
}
