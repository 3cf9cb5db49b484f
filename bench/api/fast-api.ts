// A mod_auth_http API for benchmarks, run as its own process so its CPU is not the server's or the
// load generator's. It answers `true` at once (or after --delay-ms), hangs for --hang-server's host,
// and counts the TCP connections that carried auth requests, which the bench reads at /__stats.
//   node --import tsx bench/api/fast-api.ts [--port N] [--delay-ms N] [--hang-server HOST]
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    "delay-ms": { type: "string", default: "0" },
    "hang-server": { type: "string" },
  },
});
const delayMs = Number(values["delay-ms"]);
const hangServer = values["hang-server"];

let authConnections = 0;
let requests = 0;
const counted = new WeakSet<Socket>();
const open = new Set<Socket>();

function answer(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "text/plain", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://api.invalid");
  if (url.pathname === "/__stats") {
    answer(res, 200, JSON.stringify({ connections: authConnections, requests, open: open.size }));
    return;
  }
  requests++;
  if (!counted.has(req.socket)) {
    counted.add(req.socket);
    authConnections++;
  }
  // The body of a POST is not needed: the method is in the path, and we answer as if it succeeded.
  req.resume();
  const method = url.pathname.slice(url.pathname.lastIndexOf("/") + 1);
  const server = url.searchParams.get("server");
  if (hangServer !== undefined && server === hangServer) return; // never answers: the client's deadline decides
  const reply = (): void => {
    if (method === "check_password" || method === "user_exists") answer(res, 200, "true");
    else answer(res, 501, "");
  };
  if (delayMs > 0) {
    const timer = setTimeout(reply, delayMs);
    res.once("close", () => clearTimeout(timer));
  } else reply();
}

const server = createServer({ keepAlive: true, keepAliveTimeout: 60_000 }, handle);
server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;
// Hung requests must not be cut by Node's default request timeout either.
server.requestTimeout = 0;
server.on("connection", (socket: Socket) => {
  open.add(socket);
  socket.once("close", () => open.delete(socket));
});
server.listen(Number(values.port), "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  process.stdout.write(JSON.stringify({ listening: port }) + "\n");
});

function shutdown(): void {
  for (const s of open) s.destroy();
  server.close(() => process.exit(0));
}
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);
