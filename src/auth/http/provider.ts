// The http auth provider: Prosody's mod_auth_http client side (docs/http-auth-protocol.md),
// keeping every request detail an API can depend on and fixing what Prosody gets wrong: a deadline per
// request, fail-closed exact bodies, and backend trouble reported as such instead of as "wrong password".
import type { Logger } from "../../log.ts";
import { XhaError } from "../../errors.ts";
import type {
  AuthProvider,
  BackendErrorReason,
  BackendFailure,
  CallOptions,
  CheckResult,
  ProviderCapabilities,
  ScramResult,
  WriteResult,
} from "../provider.ts";
import { createHttpClient, type Answer, type Failure } from "./client.ts";
import type { HttpMetrics } from "./metrics.ts";
import { looksLikeHtml, readAnswer } from "./answers.ts";
import { baseUrlFor, type AnyMethod, type Method, type Params } from "./protocol.ts";
import { readGetPassword } from "./get-password.ts";

export interface HttpProviderOptions {
  /** The `http_auth_url` template; `$host` becomes `host`, one trailing `/` is dropped. */
  readonly url: string;
  /** The virtual host this provider serves (sent as `server`). */
  readonly host: string;
  /** `http_auth_credentials`, "user:secret": sent as Basic auth. None: no Authorization header at all. */
  readonly credentials?: string;
  /** Deadline per request, queueing and connecting included. Default 5000. */
  readonly timeoutMs?: number;
  /** Pool size (keep-alive connections to the API). Default 128. */
  readonly maxConnections?: number;
  /** Extra CA certificates (PEM) trusted for an https API, besides the system ones. */
  readonly caFile?: string;
  /** Default true. Turning it off is logged as a warning. */
  readonly tlsVerify?: boolean;
  /** Largest answer read. Default 4096: answers are `true`/`false`. */
  readonly maxBodyBytes?: number;
  readonly logger: Logger;
  readonly metrics?: HttpMetrics;
}

export const HTTP_PROVIDER_DEFAULTS = Object.freeze({
  timeoutMs: 5000,
  maxConnections: 128,
  tlsVerify: true,
  maxBodyBytes: 4096,
});

const CAPABILITIES: ProviderCapabilities = Object.freeze({
  plaintext: true,
  // get_password is asked only when the host sets http_auth_scram; an API without it answers 501.
  scram: true,
  // The API may still answer 501 (or 404/405 without an HTML page) to these: `unsupported`.
  register: true,
  setPassword: true,
  removeUser: true,
});

const OK = Object.freeze({ outcome: "ok" as const });
const FALSE = Object.freeze({ outcome: "false" as const });
const CONFLICT = Object.freeze({ outcome: "conflict" as const });
const UNSUPPORTED = Object.freeze({ outcome: "unsupported" as const });

type Result = CheckResult | WriteResult | ScramResult;

export function createHttpProvider(options: HttpProviderOptions): AuthProvider {
  const opts = validate(options);
  const { host, logger, metrics } = opts;
  const base = baseUrlFor(opts.url, host);
  if (!opts.tlsVerify && base.startsWith("https:")) {
    logger.warn({ host }, "tlsVerify is off: the HTTP auth API's certificate is not checked");
  }

  const client = createHttpClient({
    base,
    timeoutMs: opts.timeoutMs,
    maxConnections: opts.maxConnections,
    tlsVerify: opts.tlsVerify,
    maxBodyBytes: opts.maxBodyBytes,
    ...(opts.credentials === undefined ? {} : { credentials: opts.credentials }),
    ...(opts.caFile === undefined ? {} : { caFile: opts.caFile }),
    ...(metrics === undefined
      ? {}
      : { onConnect: () => metrics.connectionOpened(), onDisconnect: () => metrics.connectionClosed() }),
  });

  async function run<R extends Result>(
    method: AnyMethod,
    params: Params,
    callOptions: CallOptions | undefined,
    interpret: (answer: Answer) => R,
  ): Promise<R | BackendFailure> {
    const started = performance.now();
    const exchange = await client.call(method, params, callOptions?.signal);
    const result = exchange.kind === "answer" ? interpret(exchange) : failureResult(exchange);
    const seconds = (performance.now() - started) / 1000;
    report(method, result, exchange, seconds);
    return result;
  }

  // Only method, host, outcome, reason, status and a system error code: never the user, the
  // password, the URL (its query holds the password) or the Authorization header.
  function report(method: AnyMethod, result: Result, exchange: Answer | Failure, seconds: number): void {
    const reason = result.outcome === "backend-error" ? result.reason : "";
    metrics?.observeCall({ method, outcome: result.outcome, reason }, seconds);
    const status = exchange.kind === "answer" ? exchange.status : undefined;
    const code = exchange.kind === "failure" ? exchange.code : undefined;
    const ms = Math.round(seconds * 1000);
    if (result.outcome === "backend-error" && reason !== "aborted") {
      const message = errorPage(exchange)
        ? "HTTP auth API call failed: an HTML error page (is http_auth_url right?)"
        : "HTTP auth API call failed";
      logger.warn({ method, host, reason, status, code, ms }, message);
    } else {
      logger.debug({ method, host, outcome: result.outcome, reason, status, ms }, "HTTP auth API call");
    }
  }

  const params = (user: string, pass?: string): Params =>
    pass === undefined ? { user, server: host } : { user, pass, server: host };

  return {
    name: "http",
    capabilities: CAPABILITIES,
    checkPassword: async (user, password, callOptions) => {
      // Fail closed without asking: some APIs treat an empty password as an unauthenticated bind.
      // The SASL layer rejects it first (malformed-request); this is a second line of defence.
      if (password === "") return FALSE;
      return run("check_password", params(user, password), callOptions, (a) =>
        booleanAnswer("check_password", a),
      );
    },
    userExists: (user, callOptions) =>
      run("user_exists", params(user), callOptions, (a) => booleanAnswer("user_exists", a)),
    register: (user, password, callOptions) =>
      run("register", params(user, password), callOptions, (a) => writeAnswer("register", a)),
    setPassword: (user, password, callOptions) =>
      run("set_password", params(user, password), callOptions, (a) => writeAnswer("set_password", a)),
    removeUser: (user, callOptions) =>
      run("remove_user", params(user), callOptions, (a) => writeAnswer("remove_user", a)),
    getScramCredentials: (user, callOptions) =>
      run("get_password", params(user), callOptions, readGetPassword),
    close: () => client.close(),
  };
}

/**
 * check_password and user_exists, read with our column of the answer table (answers.ts): 200 `true`
 * is yes; 200 `false`, or a 4xx (not 401/407/408/429) whose body is exactly `false` (Pleroma), is no;
 * everything else fails closed as backend trouble.
 */
export function booleanAnswer(method: Method, answer: Answer): CheckResult {
  if (answer.body === undefined) return backendError("body-too-large", answer.status);
  // Byte-exact, as Prosody compares: `true\n`, `TRUE` or JSON are a broken API, not a yes or a no.
  const row = readAnswer(method, { status: answer.status, body: answer.body.toString("latin1") });
  if (row.ours === "yes") return OK;
  if (row.ours === "no") return FALSE;
  return backendError(answer.status === 200 ? "bad-body" : "status", answer.status);
}

/**
 * register, set_password, remove_user, read with our column of the answer table: decided by status,
 * except that a 404/405 is "not implemented" (like 501) only when its body is not an HTML page.
 */
export function writeAnswer(method: Method, answer: Answer): WriteResult {
  const body = answer.body === undefined ? "" : answer.body.toString("latin1");
  switch (readAnswer(method, { status: answer.status, body }).ours) {
    case "done":
      return OK;
    case "conflict":
      return CONFLICT;
    case "not-implemented":
      return UNSUPPORTED;
    default:
      return backendError("status", answer.status);
  }
}

/** An HTML page for a 404/405: worth saying in the log, since it is most likely a wrong URL. */
function errorPage(exchange: Answer | Failure): boolean {
  if (exchange.kind !== "answer" || exchange.body === undefined) return false;
  return (
    (exchange.status === 404 || exchange.status === 405) && looksLikeHtml(exchange.body.toString("latin1"))
  );
}

function failureResult(failure: Failure): BackendFailure {
  return { outcome: "backend-error", reason: failure.reason };
}

function backendError(reason: BackendErrorReason, status: number): BackendFailure {
  return { outcome: "backend-error", reason, status };
}

interface Resolved extends HttpProviderOptions {
  readonly timeoutMs: number;
  readonly maxConnections: number;
  readonly tlsVerify: boolean;
  readonly maxBodyBytes: number;
}

/** Checked once, up front; a mistake here is a configuration error and throws. */
function validate(options: HttpProviderOptions): Resolved {
  const d = HTTP_PROVIDER_DEFAULTS;
  const resolved: Resolved = {
    ...options,
    timeoutMs: options.timeoutMs ?? d.timeoutMs,
    maxConnections: options.maxConnections ?? d.maxConnections,
    tlsVerify: options.tlsVerify ?? d.tlsVerify,
    maxBodyBytes: options.maxBodyBytes ?? d.maxBodyBytes,
  };
  if (resolved.host === "") invalid("host must not be empty");
  let parsed: URL;
  try {
    parsed = new URL(baseUrlFor(resolved.url, resolved.host));
  } catch {
    invalid("url (http_auth_url) is not a valid URL");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    invalid("url (http_auth_url) must be http or https");
  // Credentials belong in `credentials`; in the URL they would end up in logs and error messages.
  if (parsed.username !== "" || parsed.password !== "")
    invalid("url (http_auth_url) must not contain user:password@");
  // `<base>/<method>` is appended to the path; a query or fragment in the base would swallow it.
  if (parsed.search !== "" || parsed.hash !== "")
    invalid("url (http_auth_url) must not contain a query or fragment");
  positiveInteger("timeoutMs", resolved.timeoutMs);
  positiveInteger("maxConnections", resolved.maxConnections);
  positiveInteger("maxBodyBytes", resolved.maxBodyBytes);
  return Object.freeze(resolved);
}

function positiveInteger(key: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) invalid(`${key} must be a positive integer`);
}

function invalid(message: string): never {
  throw new XhaError("XHA_CONFIG_INVALID", message);
}
