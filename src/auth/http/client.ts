// The HTTP exchange of one mod_auth_http call (docs/http-auth-protocol.md, "Requests"):
// a keep-alive undici pool, requests shaped as Prosody shapes them, a deadline per request
// and a byte cap on answers. Interpreting the answer is the provider's job; this file only moves bytes.
import { readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import { Pool, buildConnector, type Dispatcher } from "undici";
import { XhaError } from "../../errors.ts";
import { USER_AGENT } from "../../version.ts";
import {
  CONTRACT,
  FORM_CONTENT_TYPE,
  EXTENSION_METHODS,
  METHODS,
  basicAuthorization,
  encodeParams,
  methodUrl,
  type AnyMethod,
  type Params,
} from "./protocol.ts";

export interface HttpClientOptions {
  /** `<base>` with `$host` already expanded and the trailing `/` removed. */
  readonly base: string;
  readonly credentials?: string;
  readonly timeoutMs: number;
  readonly maxConnections: number;
  readonly caFile?: string;
  readonly tlsVerify: boolean;
  readonly maxBodyBytes: number;
  readonly onConnect?: () => void;
  readonly onDisconnect?: () => void;
}

/** An HTTP answer; `body` is undefined when it was larger than maxBodyBytes (and was not read). */
export interface Answer {
  readonly kind: "answer";
  readonly status: number;
  readonly body: Buffer | undefined;
}

/** No HTTP answer. `code` is a system or undici error code, safe to log (it names no URL or secret). */
export interface Failure {
  readonly kind: "failure";
  readonly reason: "timeout" | "refused" | "network" | "aborted";
  readonly code?: string;
}

export interface HttpClient {
  call(method: AnyMethod, params: Params, signal?: AbortSignal): Promise<Answer | Failure>;
  close(): Promise<void>;
}

// undici's own deadlines: they back up the AbortSignal deadline and classify the same way.
const TIMEOUT_CODES = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/** Requests dispatched that have not started on a connection and have not been given up. */
interface Demand {
  waiting: number;
}

/**
 * undici's connector, refusing connections no request waits for. After an in-flight request is
 * aborted (its client left), undici puts it back in its queue and connects again for it, then drops
 * it (nodejs/undici#5845): the new connection would sit idle, held open at the API, until the API
 * closes it. So a connection is neither started nor kept while no request of ours waits for one.
 */
function demandConnector(connect: buildConnector.connector, demand: Demand): buildConnector.connector {
  // Seen only by requests already given up (see below), so it needs no code of its own.
  const unwanted = (): Error => new Error("no request waits for a connection");
  // A refusal fails every request queued on that undici client, which is safe only while none of
  // ours waits anywhere (those queued are then all given up).
  const open: buildConnector.connector = (opts, callback) => {
    if (demand.waiting === 0) return callback(unwanted(), null);
    connect(opts, (err, socket) => {
      if (err !== null) return callback(err, null);
      if (demand.waiting > 0) return callback(null, socket);
      socket.destroy();
      callback(unwanted(), null);
    });
  };
  // Never synchronously: undici ignores a resume asked for from inside its own resume loop, and a
  // closing pool would then wait forever.
  return (opts, callback) => process.nextTick(open, opts, callback);
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const origin = new URL(options.base).origin;
  const demand: Demand = { waiting: 0 };
  const connector = buildConnector({
    timeout: options.timeoutMs,
    rejectUnauthorized: options.tlsVerify,
    ...(options.caFile === undefined ? {} : { ca: [...rootCertificates, readCa(options.caFile)] }),
  });
  const pool = new Pool(origin, {
    connections: options.maxConnections,
    // One request at a time per connection: pipelining lets a slow answer hold up the ones behind it.
    pipelining: 1,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connect: demandConnector(connector, demand),
  });
  if (options.onConnect) pool.on("connect", options.onConnect);
  if (options.onDisconnect) pool.on("disconnect", options.onDisconnect);

  // Per-call work is kept small: paths and header sets are made once per pool.
  const pathOf = new Map(
    [...METHODS, ...EXTENSION_METHODS].map((m) => [m, new URL(methodUrl(options.base, m)).pathname]),
  );
  const baseHeaders: Record<string, string> = { "user-agent": USER_AGENT };
  if (options.credentials !== undefined)
    baseHeaders["authorization"] = basicAuthorization(options.credentials);
  const getHeaders = Object.freeze({ ...baseHeaders });
  const postHeaders = Object.freeze({ ...baseHeaders, "content-type": FORM_CONTENT_TYPE });
  let closing: Promise<void> | undefined;

  function call(method: AnyMethod, params: Params, callerSignal?: AbortSignal): Promise<Answer | Failure> {
    if (callerSignal?.aborted) return Promise.resolve({ kind: "failure", reason: "aborted" });
    const encoded = encodeParams(method, params);
    const path = pathOf.get(method) ?? "";
    const post = CONTRACT[method].verb === "POST";
    return exchange(
      pool,
      {
        method: CONTRACT[method].verb,
        // GET: parameters in the query, no body. POST: parameters in the body, no query (as Prosody).
        path: post ? path : `${path}?${encoded}`,
        headers: post ? postHeaders : getHeaders,
        body: post ? encoded : null,
      },
      options,
      demand,
      callerSignal,
    );
  }

  return {
    call,
    close: () => (closing ??= pool.close()),
  };
}

/**
 * One request through undici's dispatch API. It costs less per call than `request()` with an
 * AbortSignal (no signal listeners inside undici), and it lets us stop reading at the byte cap:
 * aborting drops that connection, so a huge or endless answer neither fills memory nor holds a
 * pooled socket. The deadline covers queueing for a connection, connecting and the whole answer.
 */
function exchange(
  pool: Pool,
  request: Dispatcher.DispatchOptions,
  options: Pick<HttpClientOptions, "timeoutMs" | "maxBodyBytes">,
  demand: Demand,
  callerSignal: AbortSignal | undefined,
): Promise<Answer | Failure> {
  return new Promise((resolve) => {
    let controller: Dispatcher.DispatchController | undefined;
    let stopped: Failure["reason"] | undefined;
    let done = false;
    let waiting = true;
    let status = 0;
    let size = 0;
    const chunks: Buffer[] = [];
    demand.waiting++;

    const started = (): void => {
      if (!waiting) return;
      waiting = false;
      demand.waiting--;
    };
    const finish = (result: Answer | Failure): void => {
      if (done) return;
      done = true;
      started();
      clearTimeout(timer);
      callerSignal?.removeEventListener("abort", onCallerAbort);
      resolve(result);
    };
    const stop = (reason: "timeout" | "aborted"): void => {
      stopped = reason;
      controller?.abort(new Error(reason));
      finish({ kind: "failure", reason });
    };
    const tooLarge = (c: Dispatcher.DispatchController): void => {
      // Settle first: abort() reports the error to onResponseError synchronously.
      finish({ kind: "answer", status, body: undefined });
      c.abort(new Error("answer over the byte cap"));
    };
    const timer = setTimeout(() => stop("timeout"), options.timeoutMs);
    const onCallerAbort = (): void => stop("aborted");
    callerSignal?.addEventListener("abort", onCallerAbort, { once: true });

    pool.dispatch(request, {
      onRequestStart(c) {
        controller = c;
        started();
        // The deadline or the caller may have fired while the request waited for a connection.
        if (stopped !== undefined) c.abort(new Error(stopped));
      },
      onResponseStart(c, statusCode, headers) {
        status = statusCode;
        const length = headers["content-length"];
        if (typeof length === "string" && Number(length) > options.maxBodyBytes) tooLarge(c);
      },
      onResponseData(c, chunk) {
        if (done) return;
        size += chunk.length;
        if (size > options.maxBodyBytes) tooLarge(c);
        else chunks.push(chunk);
      },
      onResponseEnd() {
        finish({ kind: "answer", status, body: Buffer.concat(chunks, size) });
      },
      onResponseError(_c, err) {
        finish(stopped === undefined ? classify(err) : { kind: "failure", reason: stopped });
      },
    });
  });
}

function classify(err: unknown): Failure {
  const code = errorCode(err);
  if (code === "ECONNREFUSED") return { kind: "failure", reason: "refused", code };
  if (code !== undefined && TIMEOUT_CODES.has(code)) return { kind: "failure", reason: "timeout", code };
  return code === undefined
    ? { kind: "failure", reason: "network" }
    : { kind: "failure", reason: "network", code };
}

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

function readCa(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new XhaError("XHA_TLS_MATERIAL", `http_auth_ca_file ${file} could not be read`, { cause: err });
  }
}
