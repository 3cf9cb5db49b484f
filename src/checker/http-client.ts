// Raw HTTP calls for the checker. Unlike the provider, the checker must control what goes on the wire
// exactly (parameter order, Content-Type spelling, missing or wrong Authorization) and see what comes
// back exactly (the body byte for byte, whether Content-Length was sent), so it builds each request
// itself on an undici Agent and never normalises anything.
import { rootCertificates } from "node:tls";
import { Agent } from "undici";
import {
  CONTRACT,
  FORM_CONTENT_TYPE,
  encodeValue,
  methodUrl,
  type AnyMethod,
} from "../auth/http/protocol.ts";
import { USER_AGENT } from "../version.ts";

/** Parameters in the order they go on the wire; a missing one is simply left out. */
export type Pairs = ReadonlyArray<readonly [string, string]>;

export interface CallRequest {
  readonly method: AnyMethod;
  readonly params: Pairs;
  /** For POST: the Content-Type to send (default: the correct spelling). */
  readonly contentType?: string;
  /** The Authorization header value to send, or undefined for none. */
  readonly authorization: string | undefined;
}

export interface Answer {
  readonly kind: "answer";
  readonly method: AnyMethod;
  readonly status: number;
  /** The body exactly as received, for judging. */
  readonly body: string;
  /** The body with every secret masked, for showing: an API may echo what it was sent. */
  readonly display: string;
  readonly contentLength: boolean;
  readonly chunked: boolean;
  readonly wwwAuthenticate: string | undefined;
  readonly ms: number;
}

export interface CallError {
  readonly kind: "error";
  readonly method: AnyMethod;
  readonly timedOut: boolean;
  readonly message: string;
  readonly ms: number;
}

export type Outcome = Answer | CallError;

export interface RawClient {
  call(req: CallRequest): Promise<Outcome>;
  /** Drops every connection, including ones still waiting on a hung API. */
  close(): Promise<void>;
}

/** `a=1&b=2` with Prosody's encoding (see protocol.ts), in exactly the given order. */
export function encodePairs(pairs: Pairs): string {
  return pairs.map(([k, v]) => `${k}=${encodeValue(v)}`).join("&");
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

/** How to trust an https API: extra CA certificates (PEM text), or no check at all. */
export interface TlsTrust {
  readonly ca?: string;
  readonly insecure?: boolean;
}

export function createRawClient(
  base: string,
  timeoutMs: number,
  redact: (text: string) => string,
  tls: TlsTrust = {},
): RawClient {
  const url = new URL(base);
  const origin = url.origin;
  const basePath = url.pathname === "/" ? "" : url.pathname;
  // A private CA is added to the system ones, as the provider's http_auth_ca_file is.
  const connect = {
    timeout: timeoutMs,
    ...(tls.ca === undefined ? {} : { ca: [...rootCertificates, tls.ca] }),
    ...(tls.insecure === true ? { rejectUnauthorized: false } : {}),
  };
  const agent = new Agent({ connect, keepAliveTimeout: 2_000 });

  async function call(req: CallRequest): Promise<Outcome> {
    const verb = CONTRACT[req.method].verb;
    const encoded = encodePairs(req.params);
    const path = methodUrl(basePath, req.method) + (verb === "GET" && encoded !== "" ? `?${encoded}` : "");
    const headers: Record<string, string> = { "user-agent": USER_AGENT };
    if (req.authorization !== undefined) headers["authorization"] = req.authorization;
    if (verb === "POST") headers["content-type"] = req.contentType ?? FORM_CONTENT_TYPE;
    const signal = AbortSignal.timeout(timeoutMs);
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    try {
      const res = await agent.request({
        origin,
        path,
        method: verb,
        headers,
        body: verb === "POST" ? encoded : null,
        signal,
      });
      const body = await res.body.text();
      const h = res.headers;
      return {
        kind: "answer",
        method: req.method,
        status: res.statusCode,
        body,
        display: redact(body),
        contentLength: h["content-length"] !== undefined,
        chunked: /\bchunked\b/i.test(header(h, "transfer-encoding") ?? ""),
        wwwAuthenticate: header(h, "www-authenticate"),
        ms: elapsed(),
      };
    } catch (err) {
      const timedOut = signal.aborted;
      const message = timedOut ? `no answer within ${formatMs(timeoutMs)}` : redact(describeError(err));
      return { kind: "error", method: req.method, timedOut, message, ms: elapsed() };
    }
  }

  return { call, close: () => agent.destroy() };
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
    const prefix = typeof code === "string" && !err.message.includes(code) ? `${code} ` : "";
    return `${prefix}${err.message}${cause}`;
  }
  return String(err);
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s` : `${ms} ms`;
}
