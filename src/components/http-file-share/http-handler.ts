// XEP-0363 §6 over the server's HTTP listeners: PUT stores a slot's file once (201 Created), with
// exactly the size and content type requested and the Authorization header the slot gave; GET and
// HEAD serve it until it expires, with single byte ranges (RFC 9110 §14: 206, 416). CORS lets web
// clients on any origin do both; OPTIONS answers the preflight.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../../log.ts";
import type { UploadSlot, UploadStore } from "../../storage/upload.ts";
import { CORS_HEADERS, downloadHeaders } from "./content-headers.ts";
import type { FileStore } from "./file-store.ts";
import { parseRange } from "./range.ts";
import { authorizes, isSlotId } from "./tokens.ts";

export const FILE_SHARE_PREFIX = "/file_share/";

/**
 * How long after the slot request its PUT may start. XEP-0363 §7 recommends around 60 s, as a client
 * has no reason to wait; five minutes leaves room for a slow mobile start.
 */
export const PUT_WINDOW_MS = 5 * 60_000;

export interface HttpDeps {
  readonly store: () => UploadStore;
  /** The files of a service (the slot's): any upload component's handler serves every slot. */
  readonly files: (service: string) => FileStore;
  readonly logger: Logger;
  readonly now: () => number;
}

/** The slot id a path names ("/file_share/<id>" or "/file_share/<id>/<name>"), or undefined. */
export function slotIdOf(url: string | undefined): string | undefined {
  const path = (url ?? "").split("?")[0] ?? "";
  if (!path.startsWith(FILE_SHARE_PREFIX)) return undefined;
  const id = path.slice(FILE_SHARE_PREFIX.length).split("/")[0] ?? "";
  return isSlotId(id) ? id : undefined;
}

function send(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  const body = `${text}\n`;
  res.writeHead(status, {
    ...CORS_HEADERS,
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(body)),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    ...headers,
  });
  res.end(res.req.method === "HEAD" ? undefined : body);
}

/** A PUT refused before its body is read: the connection closes rather than reading it all. */
function refusePut(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  send(res, status, text, { Connection: "close", ...headers });
}

async function put(
  deps: HttpDeps,
  req: IncomingMessage,
  res: ServerResponse,
  slot: UploadSlot,
): Promise<void> {
  if (!authorizes(req.headers.authorization, slot.putHash))
    return refusePut(res, 401, "unauthorized", { "WWW-Authenticate": 'Bearer realm="upload"' });
  if (slot.uploaded === undefined && deps.now() > slot.created + PUT_WINDOW_MS)
    return refusePut(res, 410, "this slot's upload window has passed: request a new one");
  const length = req.headers["content-length"];
  if (length === undefined) return refusePut(res, 411, "Content-Length required");
  if (Number(length) !== slot.size)
    return refusePut(res, Number(length) > slot.size ? 413 : 400, `the slot is for ${slot.size} bytes`);
  const type = (req.headers["content-type"] ?? "").trim();
  if (slot.contentType !== "" && type.toLowerCase() !== slot.contentType.toLowerCase())
    return refusePut(res, 415, `the slot is for ${slot.contentType}`);
  if (!(await deps.store().claimUploadSlot(slot.id, deps.now())))
    return refusePut(res, 409, "this slot was used or has expired");
  let outcome;
  try {
    outcome = await deps.files(slot.service).write(slot.id, req, slot.size);
  } catch (err) {
    // The client went away or the disk failed: the slot is free for another try.
    await deps.store().releaseUploadSlot(slot.id);
    deps.logger.debug({ err: (err as Error).message, service: slot.service }, "upload interrupted");
    if (!res.headersSent && !res.destroyed) refusePut(res, 500, "upload failed");
    return;
  }
  if (outcome !== "ok") {
    await deps.store().releaseUploadSlot(slot.id);
    return refusePut(res, outcome === "too-large" ? 413 : 400, `the slot is for ${slot.size} bytes`);
  }
  send(res, 201, "created");
}

async function get(
  deps: HttpDeps,
  req: IncomingMessage,
  res: ServerResponse,
  slot: UploadSlot,
): Promise<void> {
  const files = deps.files(slot.service);
  const file = slot.uploaded === undefined ? undefined : await files.stat(slot.id);
  if (file === undefined || file.size !== slot.size) return send(res, 404, "not found");
  const headers: Record<string, string> = {
    ...CORS_HEADERS,
    "Access-Control-Expose-Headers": "Content-Length, Content-Range, Content-Disposition",
    ...downloadHeaders(slot.contentType || "application/octet-stream", slot.filename),
    "Accept-Ranges": "bytes",
    ETag: `"${slot.id}"`,
    "Last-Modified": file.mtime.toUTCString(),
    Expires: new Date(slot.expires).toUTCString(),
  };
  const range = parseRange(req.headers.range, file.size);
  if (range.kind === "unsatisfiable") {
    res.writeHead(416, { ...headers, "Content-Range": `bytes */${file.size}`, "Content-Length": "0" });
    return void res.end();
  }
  const [status, start, end] =
    range.kind === "partial" ? [206, range.start, range.end] : [200, 0, file.size - 1];
  if (status === 206) headers["Content-Range"] = `bytes ${start}-${end}/${file.size}`;
  res.writeHead(status, { ...headers, "Content-Length": String(end - start + 1) });
  if (req.method === "HEAD" || file.size === 0) return void res.end();
  const body = files.read(slot.id, start, end);
  body.on("error", () => res.destroy());
  body.pipe(res);
}

/** Serves a request under /file_share/: slots are found by id, whichever service gave them. */
export async function serveFileShare(
  deps: HttpDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = req.method ?? "";
  if (method === "OPTIONS") {
    res.writeHead(204, CORS_HEADERS);
    return void res.end();
  }
  if (method !== "GET" && method !== "HEAD" && method !== "PUT")
    return send(res, 405, "method not allowed", { Allow: "GET, HEAD, PUT, OPTIONS", Connection: "close" });
  const id = slotIdOf(req.url);
  const slot = id === undefined ? undefined : await deps.store().uploadSlot(id);
  if (slot === undefined || slot.expires <= deps.now()) {
    if (method === "PUT") return refusePut(res, 404, "not found");
    return send(res, 404, "not found");
  }
  if (method === "PUT") await put(deps, req, res, slot);
  else await get(deps, req, res, slot);
}

/** The listener's handler: a store or disk failure is a 500 (logged), never a crash. */
export function fileShareHandler(deps: HttpDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    serveFileShare(deps, req, res).catch((err: unknown) => {
      deps.logger.error({ err }, "file share request failed");
      if (!res.headersSent) send(res, 500, "internal server error", { Connection: "close" });
      else res.destroy();
    });
  };
}
