// XEP-0060 §8.2 node configuration, the subset PEP clients set (XEP-0163 §4, XEP-0223 for private
// storage nodes): access model, persistence, max_items, when the last item is sent and whether a
// retraction is notified. Read from a jabber:x:data form (configure or publish-options, §7.1.5),
// kept as JSON in the store, written back as a form for the owner (§8.2.1).
import { el, type Element } from "../../xml/element.ts";
import { NS_DATA, NS_PUBSUB_NODE_CONFIG } from "../../ns.ts";

/** The access models implemented (XEP-0060 §4.5; "roster" and "authorize" are not). */
export const ACCESS_MODELS = ["presence", "open", "whitelist"] as const;
export type AccessModel = (typeof ACCESS_MODELS)[number];
const SEND_LAST = ["never", "on_sub", "on_sub_and_presence"] as const;
type SendLast = (typeof SEND_LAST)[number];

export interface NodeConfig {
  readonly access_model: AccessModel;
  readonly persist_items: boolean;
  /** A number of items, or "max" (pep_max_items). */
  readonly max_items: number | "max";
  readonly send_last_published_item: SendLast;
  readonly notify_retract: boolean;
  readonly title?: string | undefined;
}

/** XEP-0163 §4 defaults: presence access, items kept, the last one sent on presence; Prosody keeps 1. */
export const DEFAULT_CONFIG: NodeConfig = Object.freeze({
  access_model: "presence",
  persist_items: true,
  max_items: 1,
  send_last_published_item: "on_sub_and_presence",
  notify_retract: true,
});

const FIELD = "pubsub#";

export function parseConfig(json: string): NodeConfig {
  return { ...DEFAULT_CONFIG, ...(JSON.parse(json) as Partial<NodeConfig>) };
}

/** The number of items a node keeps, given the server's limit. */
export function itemLimit(c: NodeConfig, max: number): number {
  if (!c.persist_items) return 0;
  return c.max_items === "max" ? max : Math.min(c.max_items, max);
}

/** The fields of a jabber:x:data form (first value of each), without FORM_TYPE; undefined when no form. */
export function formFields(parent: Element | undefined): Map<string, string> | undefined {
  const x = parent?.getChild("x", NS_DATA);
  if (x === undefined) return undefined;
  const fields = new Map<string, string>();
  for (const f of x.getChildren("field")) {
    const name = f.attrs.var;
    if (name === undefined || name === "FORM_TYPE") continue;
    fields.set(name, f.getChild("value")?.text() ?? "");
  }
  return fields;
}

const asBool = (v: string): boolean | undefined =>
  v === "1" || v === "true" ? true : v === "0" || v === "false" ? false : undefined;

/**
 * Applies form fields to a configuration. Unknown fields are ignored (a client may send options this
 * server does not offer); a known field with a value out of range is an error naming it.
 */
export function applyFields(
  base: NodeConfig,
  fields: ReadonlyMap<string, string>,
  maxItems: number,
): { ok: true; config: NodeConfig } | { ok: false; field: string } {
  const c: { -readonly [K in keyof NodeConfig]: NodeConfig[K] } = { ...base };
  for (const [name, value] of fields) {
    const key = name.startsWith(FIELD) ? name.slice(FIELD.length) : undefined;
    switch (key) {
      case "access_model":
        if (!(ACCESS_MODELS as readonly string[]).includes(value)) return { ok: false, field: name };
        c.access_model = value as AccessModel;
        break;
      case "persist_items":
      case "notify_retract": {
        const b = asBool(value);
        if (b === undefined) return { ok: false, field: name };
        c[key] = b;
        break;
      }
      case "max_items":
        if (value === "max") c.max_items = "max";
        else if (/^\d{1,9}$/.test(value) && Number(value) >= 1 && Number(value) <= maxItems)
          c.max_items = Number(value);
        else return { ok: false, field: name };
        break;
      case "send_last_published_item":
        if (!(SEND_LAST as readonly string[]).includes(value)) return { ok: false, field: name };
        c.send_last_published_item = value as SendLast;
        break;
      case "title":
        c.title = value.slice(0, 256);
        break;
      default:
        break;
    }
  }
  return { ok: true, config: c };
}

/**
 * XEP-0060 §7.1.5: publish-options are preconditions on an existing node; the first field whose
 * value differs from the node's is returned (undefined: all met). Fields this server does not
 * know are ignored, as on a configure, so that clients asking for extras can still publish.
 */
export function unmetPrecondition(
  config: NodeConfig,
  fields: ReadonlyMap<string, string>,
  maxItems: number,
): string | undefined {
  for (const [name, value] of fields) {
    const applied = applyFields(config, new Map([[name, value]]), maxItems);
    if (!applied.ok) return name;
    if (JSON.stringify(applied.config) !== JSON.stringify(config)) return name;
  }
  return undefined;
}

/** §8.2.1: the configuration form the owner reads. */
export function configForm(c: NodeConfig): Element {
  const field = (name: string, type: string, value: string, options: readonly string[] = []) =>
    el(
      "field",
      { var: `${FIELD}${name}`, type },
      el("value", {}, value),
      ...options.map((o) => el("option", {}, el("value", {}, o))),
    );
  return el(
    "x",
    { xmlns: NS_DATA, type: "form" },
    el("field", { var: "FORM_TYPE", type: "hidden" }, el("value", {}, NS_PUBSUB_NODE_CONFIG)),
    field("title", "text-single", c.title ?? ""),
    field("access_model", "list-single", c.access_model, ACCESS_MODELS),
    field("persist_items", "boolean", c.persist_items ? "1" : "0"),
    field("max_items", "text-single", String(c.max_items)),
    field("send_last_published_item", "list-single", c.send_last_published_item, SEND_LAST),
    field("notify_retract", "boolean", c.notify_retract ? "1" : "0"),
  );
}
