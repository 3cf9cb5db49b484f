// A real node:http server on 127.0.0.1:0 that records every request it gets (as the Prosody
// recordings do: raw query, raw headers, body) and counts the TCP connections it accepted.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface Recorded {
  readonly method: string;
  readonly path: string;
  /** The query exactly as sent, without `?`; undefined when there was no `?` at all. */
  readonly rawQuery: string | undefined;
  /** Header names lower-cased, in the order sent. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: string;
  /** Which accepted connection (0-based) carried this request. */
  readonly connection: number;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, recorded: Recorded) => void;

export interface Recorder {
  readonly port: number;
  readonly origin: string;
  readonly requests: Recorded[];
  /** TCP connections accepted so far. */
  connections(): number;
  /** Sockets accepted and not yet closed. */
  openSockets(): number;
  /** Whether the connection with this id (see Recorded.connection) has closed. */
  isClosed(connection: number): boolean;
  setHandler(handler: Handler): void;
  close(): Promise<void>;
}

export function header(r: Recorded, name: string): string | undefined {
  return r.headers.find(([k]) => k === name.toLowerCase())?.[1];
}

/** Answers `status` with `body` as text/plain with a Content-Length (what a well-behaved API does). */
export function answer(status: number, body = ""): Handler {
  return (_req, res) => {
    res.writeHead(status, { "content-type": "text/plain", "content-length": Buffer.byteLength(body) });
    res.end(body);
  };
}

export async function startRecorder(handler: Handler = answer(200, "true")): Promise<Recorder> {
  let current = handler;
  const requests: Recorded[] = [];
  const sockets = new Set<Socket>();
  const ids = new WeakMap<Socket, number>();
  let accepted = 0;
  const closedIds = new Set<number>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = req.url ?? "";
      const q = url.indexOf("?");
      const headers: Array<[string, string]> = [];
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
        headers.push([(req.rawHeaders[i] ?? "").toLowerCase(), req.rawHeaders[i + 1] ?? ""]);
      }
      const recorded: Recorded = {
        method: req.method ?? "",
        path: q === -1 ? url : url.slice(0, q),
        rawQuery: q === -1 ? undefined : url.slice(q + 1),
        headers,
        body: Buffer.concat(chunks).toString("utf8"),
        connection: ids.get(req.socket) ?? -1,
      };
      requests.push(recorded);
      current(req, res, recorded);
    });
  });
  server.on("connection", (socket: Socket) => {
    const id = accepted++;
    ids.set(socket, id);
    sockets.add(socket);
    socket.on("close", () => {
      sockets.delete(socket);
      closedIds.add(id);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    requests,
    connections: () => accepted,
    openSockets: () => sockets.size,
    isClosed: (connection) => closedIds.has(connection),
    setHandler: (h) => void (current = h),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port with nothing listening on it (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function waitFor(condition: () => boolean, ms = 1000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}
