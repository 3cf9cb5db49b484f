// A real HTTP auth API for tests: an in-memory user table behind node:http that speaks the protocol,
// records every request, and can be told to misbehave (down, 500, slow, garbage).
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly params: Record<string, string>;
  readonly headers: IncomingMessage["headers"];
}

export type Fault = "none" | "500" | "hang" | "garbage";

export interface TestAuthApi {
  readonly url: string;
  readonly users: Map<string, string>;
  readonly requests: RecordedRequest[];
  fault: Fault;
  /** A status to answer for a method ("register": 409), without doing anything: a misbehaving API. */
  readonly statusFor: Map<string, number>;
  close(): Promise<void>;
}

function params(req: IncomingMessage, body: string): Record<string, string> {
  const url = new URL(req.url ?? "/", "http://x");
  const out: Record<string, string> = {};
  for (const [k, v] of url.searchParams) out[k] = v;
  for (const [k, v] of new URLSearchParams(body)) out[k] = v;
  return out;
}

/** Users are keyed "user@server". */
export async function startAuthApi(users: Record<string, string> = {}): Promise<TestAuthApi> {
  const api: TestAuthApi = {
    url: "",
    users: new Map(Object.entries(users)),
    requests: [],
    fault: "none",
    statusFor: new Map(),
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      const p = params(req, body);
      api.requests.push({ method: req.method ?? "", path, params: p, headers: req.headers });
      if (api.fault === "hang") return;
      if (api.fault === "500") return void res.writeHead(500).end("boom");
      if (api.fault === "garbage") return void res.writeHead(200).end("<html>yes</html>");
      const forced = api.statusFor.get(path.split("/").pop() ?? "");
      if (forced !== undefined) return void res.writeHead(forced).end();
      const key = `${p.user}@${p.server}`;
      const reply = (status: number, text = "") =>
        void res
          .writeHead(status, { "content-type": "text/plain", "content-length": Buffer.byteLength(text) })
          .end(text);
      switch (path.split("/").pop()) {
        case "check_password":
          return reply(200, api.users.get(key) === p.pass ? "true" : "false");
        case "user_exists":
          return reply(200, api.users.has(key) ? "true" : "false");
        case "register":
          if (api.users.has(key)) return reply(409);
          api.users.set(key, p.pass ?? "");
          return reply(201);
        case "set_password":
          if (!api.users.has(key)) return reply(404);
          api.users.set(key, p.pass ?? "");
          return reply(204);
        case "remove_user":
          if (!api.users.delete(key)) return reply(404);
          return reply(204);
        default:
          return reply(404);
      }
    });
  });
  // Every socket, not only those the HTTP server counts as its connections (one accepted while the
  // server closes, one whose request never ended): close() destroys them all, so it always settles.
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(api, {
    url: `http://127.0.0.1:${port}/auth`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      }),
  });
}
