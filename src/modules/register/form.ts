// XEP-0077 §3.1, §3.2.1 and §4: the registration form (plain fields plus a XEP-0004 data form) and the
// answer to an account that is already registered.
import { el, type Element } from "../../xml/element.ts";
import { NS_DATA, NS_REGISTER } from "../../ns.ts";

export const INSTRUCTIONS = "Choose a username and password for use with this service.";

/** XEP-0077 §3.1 Example 2 and §4: the fields a client fills in, in both forms clients understand. */
export function registrationForm(): Element {
  return el(
    "query",
    { xmlns: NS_REGISTER },
    el("instructions", {}, INSTRUCTIONS),
    el("username"),
    el("password"),
    el(
      "x",
      { xmlns: NS_DATA, type: "form" },
      el("title", {}, "Creating a new account"),
      el("instructions", {}, INSTRUCTIONS),
      // XEP-0068 §2: FORM_TYPE names the form, as a hidden field.
      el("field", { type: "hidden", var: "FORM_TYPE" }, el("value", {}, NS_REGISTER)),
      el("field", { type: "text-single", var: "username", label: "Username" }, el("required")),
      el("field", { type: "text-private", var: "password", label: "Password" }, el("required")),
    ),
  );
}

/** XEP-0077 §3.1 Example 3: the entity is already registered; we never echo the password. */
export function registeredReply(username: string): Element {
  return el("query", { xmlns: NS_REGISTER }, el("registered"), el("username", {}, username));
}
