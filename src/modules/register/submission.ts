// XEP-0077 §3.1, §3.3 and §4: what a client submits (plain <username/>/<password/> or a XEP-0004 §3.3
// "submit" data form), prepared with RFC 8265 (UsernameCaseMapped, via RFC 7622 §3.3) and OpaqueString.
import type { Element } from "../../xml/element.ts";
import { NS_DATA, NS_REGISTER } from "../../ns.ts";
import { localpartPrep, opaqueString } from "../../precis/index.ts";

/** FORM_TYPE values a submitted form may carry: registration (§4) and password change (§3.3). */
const FORM_TYPES = new Set([NS_REGISTER, `${NS_REGISTER}:changepassword`]);

export interface RawFields {
  readonly username: string | undefined;
  readonly password: string | undefined;
}

/** The submitted fields, or undefined when the data form is malformed (a bad-request). */
export function readFields(query: Element): RawFields | undefined {
  const form = query.getChild("x", NS_DATA);
  if (form === undefined) {
    return { username: query.getChildText("username"), password: query.getChildText("password") };
  }
  if (form.attrs.type !== "submit") return undefined;
  const values = new Map<string, string>();
  for (const field of form.getChildren("field")) {
    const name = field.attrs.var;
    if (name !== undefined) values.set(name, field.getChildText("value") ?? "");
  }
  const formType = values.get("FORM_TYPE");
  if (formType !== undefined && !FORM_TYPES.has(formType)) return undefined;
  return { username: values.get("username"), password: values.get("password") };
}

export type Prepared<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly text: string };

/**
 * The localpart the API will see: it must make a valid JID (so RFC 7622 §3.3 on top of UsernameCaseMapped:
 * no "@", "/" and the like, at most 1023 bytes), because the new account has to be able to log in.
 */
export function prepareUsername(raw: string | undefined): Prepared<string> {
  if (raw === undefined || raw.trim() === "") return { ok: false, text: "A username is required" };
  const prepared = localpartPrep(raw);
  // The reason names code points, never anything secret, and helps the user pick another name.
  return prepared.ok ? prepared : { ok: false, text: `Invalid username: ${prepared.reason}` };
}

/** The password as SASL PLAIN will prepare it at login (RFC 8265 §4.2), so the two always agree. */
export function preparePassword(raw: string | undefined): Prepared<string> {
  if (raw === undefined || raw === "") return { ok: false, text: "A password is required" };
  const prepared = opaqueString(raw);
  // No reason given back: it would describe the password.
  return prepared.ok
    ? prepared
    : { ok: false, text: "The password contains characters that are not allowed" };
}
