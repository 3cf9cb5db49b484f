// SASL PLAIN (RFC 4616) message parsing with the preparation RFC 6120 §6.3 and RFC 8265 ask for.
// The decoded message holds the password: it is never logged and never kept past the check.
import { localpartPrep, opaqueString } from "../precis/index.ts";

export type SaslFailureCondition =
  | "aborted"
  | "account-disabled"
  | "credentials-expired"
  | "encryption-required"
  | "incorrect-encoding"
  | "invalid-authzid"
  | "invalid-mechanism"
  | "malformed-request"
  | "mechanism-too-weak"
  | "not-authorized"
  | "temporary-auth-failure";

export type PlainResult =
  | {
      readonly ok: true;
      readonly user: string;
      readonly password: string;
      readonly authzid: string | undefined;
    }
  | { readonly ok: false; readonly condition: SaslFailureCondition; readonly text?: string };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes RFC 6120 §6.4.2 SASL data: "=" is an empty response; anything else strict base64. */
export function decodeSaslData(text: string): Buffer | undefined {
  const t = text.trim();
  if (t === "=" || t === "") return Buffer.alloc(0);
  return BASE64.test(t) ? Buffer.from(t, "base64") : undefined;
}

/** Parses `[authzid] NUL authcid NUL passwd` and prepares its parts. */
export function parsePlain(message: Buffer): PlainResult {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(message);
  } catch {
    return { ok: false, condition: "malformed-request", text: "The message is not UTF-8." };
  }
  const parts = text.split("\0");
  if (parts.length !== 3)
    return { ok: false, condition: "malformed-request", text: "Expected authzid, authcid and password." };
  const [authzid, authcid, password] = parts as [string, string, string];
  // RFC 4616 §2: empty authcid or password is a malformed message; no backend call for either.
  if (authcid === "" || password === "") {
    return {
      ok: false,
      condition: "malformed-request",
      text: "The username and password must not be empty.",
    };
  }
  // The authcid becomes a localpart (RFC 6120 §6.3.7), which also excludes `"&'/:<>@` and caps the
  // length (RFC 7622 §3.3): a name no JID can hold cannot be an account, so it is a failed attempt.
  const user = localpartPrep(authcid);
  if (!user.ok) return { ok: false, condition: "not-authorized" };
  const pass = opaqueString(password);
  if (!pass.ok) return { ok: false, condition: "not-authorized" };
  return { ok: true, user: user.value, password: pass.value, authzid: authzid === "" ? undefined : authzid };
}
