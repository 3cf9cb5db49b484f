// XEP-0004 data forms, as much as the ad-hoc commands need: building forms and results, reading the
// values of a submitted form.
import { el, type Element } from "../../xml/element.ts";
import { NS_DATA } from "../../ns.ts";

export interface FieldSpec {
  readonly var: string;
  readonly type: "hidden" | "text-single" | "text-multi" | "list-single" | "jid-multi" | "fixed";
  readonly label?: string;
  readonly required?: boolean;
  readonly values?: readonly string[];
  /** list-single choices (XEP-0004 §3.3). */
  readonly options?: readonly string[];
}

function field(f: FieldSpec): Element {
  const out = el("field", { var: f.var, type: f.type, label: f.label });
  if (f.required === true) out.append(el("required"));
  for (const v of f.values ?? []) out.append(el("value", {}, v));
  for (const o of f.options ?? []) out.append(el("option", { label: o }, el("value", {}, o)));
  return out;
}

/** XEP-0004 §3.1: a form of `type` ("form" to fill in, "result" for an outcome). */
export function dataForm(type: "form" | "result", title: string, fields: readonly FieldSpec[]): Element {
  return el("x", { xmlns: NS_DATA, type }, el("title", {}, title), ...fields.map(field));
}

/** The submitted form in a command payload, if any (XEP-0050 §3.4). */
export function submittedForm(command: Element): Element | undefined {
  return command.getChild("x", NS_DATA);
}

/** Every value of a field (a text-multi's lines are separate values, XEP-0004 §3.3). */
export function fieldValues(form: Element | undefined, name: string): string[] {
  const f = form?.getChildren("field").find((x) => x.attrs.var === name);
  return f?.getChildren("value").map((v) => v.text()) ?? [];
}
