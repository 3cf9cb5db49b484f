// Serves a fetch-style handler from node:http, and mounts it in Express/Connect-style apps: with a
// `next` callback, requests outside the handler's base path are passed on instead of answered 404.
// Mount it before any body parser: it reads the raw body itself.
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { AuthHandler } from "./handler.ts";

export type NodeListener = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (err?: unknown) => void,
) => void;

type FetchHandler = ((request: Request) => Promise<Response>) & { readonly basePath?: string };

/** The request as a fetch Request. The origin is fixed: the Host header is not trusted or needed. */
export function toRequest(req: IncomingMessage, signal?: AbortSignal): Request {
  const url = new URL(req.url ?? "/", "http://localhost");
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD" && !req.readableEnded;
  return new Request(url, {
    method,
    headers,
    signal: signal ?? null,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: "half" } : {}),
  });
}

async function respond(handler: FetchHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const aborter = new AbortController();
  res.once("close", () => aborter.abort());
  let response: Response;
  try {
    response = await handler(toRequest(req, aborter.signal));
  } catch {
    response = new Response("internal error", { status: 500, headers: { "content-length": "14" } });
  }
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  // A body refused as too large was not read to its end: close rather than drain it.
  if (response.status === 413 || !req.complete) headers["connection"] = "close";
  res.writeHead(response.status, headers);
  res.end(body);
}

export function toNodeListener(handler: AuthHandler | FetchHandler): NodeListener {
  const prefix = handler.basePath === undefined ? undefined : handler.basePath + "/";
  return (req, res, next) => {
    if (next !== undefined && prefix !== undefined) {
      const path = new URL(req.url ?? "/", "http://localhost").pathname;
      if (!path.startsWith(prefix)) return next();
    }
    respond(handler, req, res).catch((err: unknown) => {
      if (next !== undefined) next(err);
      else res.destroy(err instanceof Error ? err : undefined);
    });
  };
}
