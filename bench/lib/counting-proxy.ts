// An HTTP pass-through that counts requests per auth method (the last path segment) on their way to
// the API: what a login costs the API, whatever the API is (authd here, which keeps no such count).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";

export interface CountingProxy {
  readonly url: string;
  /** Requests seen per method since start. */
  counts(): Readonly<Record<string, number>>;
  stop(): Promise<void>;
}

export async function startCountingProxy(target: string, basePath = "/auth"): Promise<CountingProxy> {
  const pool = new Pool(target, { connections: 128 });
  const counts: Record<string, number> = {};
  const server: Server = createServer((req, res) => {
    const method = (req.url ?? "").split("?")[0]?.split("/").pop() ?? "";
    counts[method] = (counts[method] ?? 0) + 1;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === "string" && k !== "host" && k !== "connection") headers[k] = v;
      pool
        .request({
          method: req.method === "POST" ? "POST" : "GET",
          path: req.url ?? "/",
          headers,
          ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
        })
        .then(async (r) => {
          const body = Buffer.from(await r.body.arrayBuffer());
          res.writeHead(r.statusCode, { "content-type": String(r.headers["content-type"] ?? "text/plain") });
          res.end(body);
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    counts: () => ({ ...counts }),
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.close();
    },
  };
}
