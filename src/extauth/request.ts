// One extauth request: `op:user:server[:password]`, UTF-8. The password comes last and may contain
// ":" (localparts and domains cannot, RFC 7622 §3.3.1 and §3.2). A frame that does not parse is a
// value naming what is wrong, never the password.
import { domainPrep, localpartPrep, opaqueString } from "../precis/index.ts";

export type ExtauthOp = "auth" | "isuser" | "setpass" | "tryregister" | "removeuser" | "removeuser3";

/** Which operations carry a password as their fourth field. */
const WITH_PASSWORD: Readonly<Record<ExtauthOp, boolean>> = {
  auth: true,
  isuser: false,
  setpass: true,
  tryregister: true,
  removeuser: false,
  removeuser3: true,
};

export interface ExtauthRequest {
  readonly op: ExtauthOp;
  /** The prepared localpart (RFC 8265 UsernameCaseMapped via RFC 7622), as the server's SASL uses. */
  readonly user: string;
  /** The prepared domain: which [hosts."…"] answers. */
  readonly server: string;
  /** The prepared password (RFC 8265 OpaqueString); undefined for isuser/removeuser. */
  readonly password: string | undefined;
}

export type ParsedRequest =
  | { readonly ok: true; readonly request: ExtauthRequest }
  | { readonly ok: false; readonly reason: string; readonly op?: string };

const utf8 = new TextDecoder("utf-8", { fatal: true });

function isOp(s: string): s is ExtauthOp {
  return Object.hasOwn(WITH_PASSWORD, s);
}

export function parseRequest(frame: Buffer): ParsedRequest {
  if (frame.length === 0) return { ok: false, reason: "empty frame" };
  let text: string;
  try {
    text = utf8.decode(frame);
  } catch {
    return { ok: false, reason: "not valid UTF-8" };
  }
  const colon = text.indexOf(":");
  const opText = colon < 0 ? text : text.slice(0, colon);
  // Only a known op word is repeated in the log: anything else could be a misframed password.
  if (!isOp(opText)) return { ok: false, reason: "unknown operation" };
  const op = opText;
  const fields = text.slice(colon + 1).split(":");
  const withPassword = WITH_PASSWORD[op];
  if (colon < 0 || fields.length < (withPassword ? 3 : 2)) return { ok: false, op, reason: "missing fields" };
  if (!withPassword && fields.length > 2) return { ok: false, op, reason: "too many fields" };
  const [rawUser = "", rawServer = ""] = fields;
  const user = localpartPrep(rawUser);
  if (!user.ok) return { ok: false, op, reason: `invalid user: ${user.reason}` };
  const server = domainPrep(rawServer);
  if (!server.ok) return { ok: false, op, reason: `invalid server: ${server.reason}` };
  let password: string | undefined;
  if (withPassword) {
    const prepared = opaqueString(fields.slice(2).join(":"));
    // Not the reason: it could quote the password's characters.
    if (!prepared.ok) return { ok: false, op, reason: "invalid password (RFC 8265 OpaqueString)" };
    password = prepared.value;
  }
  return { ok: true, request: { op, user: user.value, server: server.value, password } };
}
