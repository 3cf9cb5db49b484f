// The service side of Prosody's mod_auth_http protocol ("What a service must do" in
// docs/http-auth-protocol.md) as a fetch-style handler, so it can be served by node:http
// (see node-adapter.ts) or mounted in any framework that speaks Request/Response.
//
// Statuses: 200 `true`/`false` for the boolean methods; register 201 (409 exists); set_password
// and remove_user 200 with an empty body (not 204, so every answer carries a Content-Length; Prosody
// accepts 200, 201 and 204) or 404 when the account does not exist; 400 bad parameters; 401 bad
// credentials; 404 outside the base path or an unknown method name; 405 wrong verb; 413 body too
// large; 414 query string too large; 501 a method the backend does not implement; 500 backend failure.
// get_password (MongooseIM's extension): 200 with SCRAM credentials, 404 for no such user or none yet.
import { createHash, timingSafeEqual } from "node:crypto";
import {
  BODY_FALSE,
  BODY_TRUE,
  CONTRACT,
  STATUS_NOT_IMPLEMENTED,
  isAnyMethod,
} from "../auth/http/protocol.ts";
import type { AnyMethod } from "../auth/http/protocol.ts";
import { silentLogger, type Logger } from "../log.ts";
import { normaliseAccount, normaliseDomain } from "./account-name.ts";
import type { AuthBackend } from "./backend.ts";
import { parseForm } from "./form-params.ts";

export interface AuthHandlerOptions {
  /** Base path; each method is served at `<path>/<method>`. Default `/auth`. */
  readonly path?: string;
  /** `user:secret` the caller must send as HTTP Basic credentials; none required when absent. */
  readonly credentials?: string;
  /** The `server` values answered for (case-insensitive); any server when absent. */
  readonly domains?: readonly string[];
  /** Largest accepted body, and query string, in bytes. Default 8 KiB. */
  readonly maxBodyBytes?: number;
  readonly logger?: Logger;
}

export type AuthHandler = ((request: Request) => Promise<Response>) & {
  /** The normalised base path, without a trailing slash. */
  readonly basePath: string;
};

export const DEFAULT_PATH = "/auth";
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024;
export const BASIC_CHALLENGE = 'Basic realm="xmpp-http-auth"';
const TEXT_PLAIN = "text/plain; charset=utf-8";
const TOO_LARGE = Symbol("too large");
const BAD_UTF8 = Symbol("bad utf-8");
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Every answer is text/plain with an exact Content-Length; boolean bodies have no newline. */
function answer(status: number, body = "", headers: Record<string, string> = {}): Response {
  const bytes = Buffer.from(body, "utf8");
  return new Response(bytes, {
    status,
    headers: { "content-type": TEXT_PLAIN, "content-length": String(bytes.length), ...headers },
  });
}

const bool = (value: boolean): Response => answer(200, value ? BODY_TRUE : BODY_FALSE);

export function normaliseBasePath(path: string): string {
  if (!path.startsWith("/")) throw new TypeError(`auth handler path must start with "/": ${path}`);
  return path.replace(/\/+$/, "");
}

// Exactly what Prosody and our provider send: the scheme spelled `Basic` (stricter than RFC 7617
// §2's case-insensitive scheme, as the rest of the contract is strict), one space, then canonical
// base64 (RFC 4648 §4) with padding only at its end and nothing after it.
const BASIC = /^Basic ((?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)$/;

/** Constant-time check of HTTP Basic credentials: both sides hashed to equal-length digests first. */
function credentialChecker(credentials: string | undefined): (header: string | null) => boolean {
  if (credentials === undefined) return () => true;
  const expected = createHash("sha256").update(credentials, "utf8").digest();
  return (header) => {
    const match = header === null ? null : BASIC.exec(header);
    const given = match === null ? Buffer.alloc(0) : Buffer.from(match[1]!, "base64");
    const digest = createHash("sha256").update(given).digest();
    return timingSafeEqual(digest, expected) && match !== null;
  };
}

async function readBody(
  request: Request,
  limit: number,
): Promise<string | typeof TOO_LARGE | typeof BAD_UTF8> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) return TOO_LARGE;
  if (request.body === null) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = (request.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return TOO_LARGE;
    }
    chunks.push(value);
  }
  try {
    return utf8.decode(Buffer.concat(chunks));
  } catch {
    return BAD_UTF8;
  }
}

function supports(backend: AuthBackend, method: AnyMethod): boolean {
  if (method === "get_password") return backend.getPassword !== undefined;
  if (method === "register") return backend.register !== undefined;
  if (method === "set_password") return backend.setPassword !== undefined;
  if (method === "remove_user") return backend.removeUser !== undefined;
  return true;
}

interface Outcome {
  readonly response: Response;
  readonly server?: string;
  readonly user?: string;
}

export function createAuthHandler(backend: AuthBackend, options: AuthHandlerOptions = {}): AuthHandler {
  const basePath = normaliseBasePath(options.path ?? DEFAULT_PATH);
  const prefix = basePath + "/";
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const logger = options.logger ?? silentLogger();
  const authorised = credentialChecker(options.credentials);
  const domains =
    options.domains === undefined
      ? undefined
      : new Set(options.domains.map((d) => normaliseDomain(d) ?? d.toLowerCase()));

  async function serve(method: AnyMethod, request: Request, url: URL): Promise<Outcome> {
    if (!authorised(request.headers.get("authorization"))) {
      return { response: answer(401, "unauthorized", { "www-authenticate": BASIC_CHALLENGE }) };
    }
    const contract = CONTRACT[method];
    if (request.method !== contract.verb)
      return { response: answer(405, "method not allowed", { allow: contract.verb }) };
    if (!supports(backend, method)) return { response: answer(STATUS_NOT_IMPLEMENTED, "not implemented") };
    if (url.search.length > limit) return { response: answer(414, "query string too large") };
    const body = await readBody(request, limit);
    if (body === TOO_LARGE) return { response: answer(413, "body too large") };
    if (body === BAD_UTF8) return { response: answer(400, "body is not UTF-8") };

    // Read by name from the query string and the body, whatever the Content-Type says (Prosody
    // labels its form bodies `application/x/www-form-urlencoded`).
    const parsed = parseForm([url.search.slice(1), body], ["user", "server", "pass"]);
    if (!parsed.ok) return { response: answer(400, parsed.reason) };
    const user = parsed.params.get("user");
    const server = parsed.params.get("server");
    const pass = parsed.params.get("pass");
    if (user === undefined) return { response: answer(400, "missing parameter: user") };
    if (server === undefined || server === "") return { response: answer(400, "missing parameter: server") };
    if (contract.withPassword && pass === undefined)
      return { response: answer(400, "missing parameter: pass") };

    const account = normaliseAccount(user, server);
    const logged = { server: server.toLowerCase().slice(0, 255), user: user.slice(0, 64) };
    // Never another domain's answer: an unserved domain has no accounts.
    if (!account.ok || (domains !== undefined && !domains.has(account.server))) {
      if (contract.booleanBody) return { ...logged, response: bool(false) };
      return {
        ...logged,
        // A server that is not a valid domain is not one of ours either.
        response:
          account.ok || account.field === "server"
            ? answer(404, "unknown domain")
            : answer(400, "invalid username"),
      };
    }
    const { user: u, server: s } = account;
    const who = { server: s, user: u.slice(0, 64) };
    switch (method) {
      case "check_password":
        // An empty password is never right (Prosody refuses it before asking, RFC 4616 §2).
        return { ...who, response: bool(pass !== "" && (await backend.checkPassword(u, s, pass!))) };
      case "user_exists":
        return { ...who, response: bool(await backend.userExists(u, s)) };
      case "register": {
        if (pass === "") return { ...who, response: answer(400, "empty password") };
        const r = await backend.register!(u, s, pass!);
        const response =
          r === "created"
            ? answer(201)
            : r === "exists"
              ? answer(409, "exists")
              : answer(400, "invalid password");
        return { ...who, response };
      }
      case "set_password": {
        if (pass === "") return { ...who, response: answer(400, "empty password") };
        const r = await backend.setPassword!(u, s, pass!);
        const response =
          r === "updated"
            ? answer(200)
            : r === "not-found"
              ? answer(404, "no such user")
              : answer(400, "invalid password");
        return { ...who, response };
      }
      case "remove_user": {
        const r = await backend.removeUser!(u, s);
        return { ...who, response: r === "removed" ? answer(200) : answer(404, "no such user") };
      }
      case "get_password": {
        // The body is a credential: it is never logged (the log line has the status only).
        const scram = await backend.getPassword!(u, s);
        return { ...who, response: scram === undefined ? answer(404, "no such user") : answer(200, scram) };
      }
    }
  }

  const handle = async (request: Request): Promise<Response> => {
    const started = performance.now();
    const url = new URL(request.url);
    const name = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : undefined;
    // Outside the base path and unknown method names are simply not here.
    if (name === undefined || !isAnyMethod(name)) return answer(404, "not found");
    let outcome: Outcome;
    try {
      outcome = await serve(name, request, url);
    } catch (err) {
      // A backend failure is a 5xx, which a client must read as "try later", never as "false".
      logger.error(
        { method: name, err: err instanceof Error ? err.message : String(err) },
        "auth backend failed",
      );
      outcome = { response: answer(500, "internal error") };
    }
    // Method, server, user, status and latency only: never the password, the URL or its query.
    logger.info(
      {
        method: name,
        server: outcome.server,
        user: outcome.user,
        status: outcome.response.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
      },
      "auth request",
    );
    return outcome.response;
  };
  return Object.assign(handle, { basePath });
}
