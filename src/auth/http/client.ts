// The HTTP exchange of one mod_auth_http call (../shared/spec/http-auth-protocol.md, "Endpoint and
// request"): a keep-alive undici pool, requests shaped as Prosody shapes them, a deadline per request
// and a byte cap on answers. Interpreting the answer is the provider's job; this file only moves bytes.
import { readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import { Pool } from "undici";
import { XhaError } from "../../errors.ts";
import { USER_AGENT } from "../../version.ts";
import {
  CONTRACT,
  FORM_CONTENT_TYPE,
  basicAuthorization,
  encodeParams,
  methodUrl,
  type Method,
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
  call(method: Method, params: Params, signal?: AbortSignal): Promise<Answer | Failure>;
  close(): Promise<void>;
}

// undici's own deadlines: they back up the AbortSignal deadline and classify the same way.
const TIMEOUT_CODES = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const origin = new URL(options.base).origin;
  const pool = new Pool(origin, {
    connections: options.maxConnections,
    // One request at a time per connection: pipelining lets a slow answer hold up the ones behind it.
    pipelining: 1,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connect: {
      timeout: options.timeoutMs,
      rejectUnauthorized: options.tlsVerify,
      ...(options.caFile === undefined ? {} : { ca: [...rootCertificates, readCa(options.caFile)] }),
    },
  });
  if (options.onConnect) pool.on("connect", options.onConnect);
  if (options.onDisconnect) pool.on("disconnect", options.onDisconnect);

  const authorization =
    options.credentials === undefined ? undefined : basicAuthorization(options.credentials);
  let closing: Promise<void> | undefined;

  async function call(method: Method, params: Params, callerSignal?: AbortSignal): Promise<Answer | Failure> {
    if (callerSignal?.aborted) return { kind: "failure", reason: "aborted" };
    const deadline = AbortSignal.timeout(options.timeoutMs);
    const signal = callerSignal === undefined ? deadline : AbortSignal.any([deadline, callerSignal]);

    const encoded = encodeParams(method, params);
    const path = new URL(methodUrl(options.base, method)).pathname;
    const headers: Record<string, string> = { "user-agent": USER_AGENT };
    if (authorization !== undefined) headers["authorization"] = authorization;
    const post = CONTRACT[method].verb === "POST";
    if (post) headers["content-type"] = FORM_CONTENT_TYPE;

    try {
      const res = await pool.request({
        method: CONTRACT[method].verb,
        // GET: parameters in the query, no body. POST: parameters in the body, no query (as Prosody).
        path: post ? path : `${path}?${encoded}`,
        headers,
        ...(post ? { body: encoded } : {}),
        signal,
      });
      const body = await readCapped(res.body, res.headers["content-length"], options.maxBodyBytes);
      return { kind: "answer", status: res.statusCode, body };
    } catch (err) {
      return classify(err, signal, deadline);
    }
  }

  return {
    call,
    close: () => (closing ??= pool.close()),
  };
}

type Body = AsyncIterable<Buffer> & { destroy(error?: Error): unknown };

/**
 * Reads at most `cap` bytes. A larger answer is not read further: destroying the body makes undici
 * drop that connection, so a huge or endless answer neither fills memory nor holds a pooled socket.
 */
async function readCapped(body: Body, contentLength: unknown, cap: number): Promise<Buffer | undefined> {
  if (typeof contentLength === "string" && Number(contentLength) > cap) {
    body.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > cap) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

function classify(err: unknown, signal: AbortSignal, deadline: AbortSignal): Failure {
  // Decide by which signal fired, not by the error's shape: undici rethrows the signal's reason.
  if (signal.aborted) {
    return { kind: "failure", reason: signal.reason === deadline.reason ? "timeout" : "aborted" };
  }
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
