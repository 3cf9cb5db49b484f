// The admin page's listener (HTTP, RFC 9110): the static page at /, its script and style, and the
// JSON API under /api/ behind the guard (see guard.ts). Served from memory; no build step.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../log.ts";
import type { XmppServer } from "../server.ts";
import { listen } from "../transport/listeners.ts";
import type { AdminAccounts, AccountOutcome } from "./accounts.ts";
import type { AdminConfig } from "./config.ts";
import { mayReachPage, mayUseApi } from "./guard.ts";
import { overview, type Overview } from "./overview.ts";
import { PAGE_HTML, PAGE_SCRIPT, PAGE_STYLE } from "./page.ts";

export interface AdminServerDeps {
  readonly config: AdminConfig;
  readonly server: XmppServer;
  /** Present when authd runs in this process. */
  readonly accounts?: AdminAccounts;
  /** Under `serve --workers`: the overview with every worker's figures (see overview-merge.ts). */
  readonly gatherOverview?: (local: Overview) => Promise<Overview>;
  readonly logger: Logger;
}

export interface AdminServer {
  /** Bound addresses, one per interface. */
  readonly addresses: readonly AddressInfo[];
  /** The page's URL on the first interface. */
  readonly url: string;
  close(): Promise<void>;
}

const MAX_BODY = 8192;

// The page's script and style come from this origin only; nothing may frame it.
const SECURITY_HEADERS = {
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    "Content-Type": type,
    "Content-Length": Buffer.byteLength(body),
    ...SECURITY_HEADERS,
  });
  res.end(res.req.method === "HEAD" ? undefined : body);
}

const json = (res: ServerResponse, status: number, value: unknown) =>
  send(res, status, "application/json; charset=utf-8", JSON.stringify(value));

function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        resolve(undefined);
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => {
      try {
        const v: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        resolve(
          typeof v === "object" && v !== null && !Array.isArray(v)
            ? (v as Record<string, unknown>)
            : undefined,
        );
      } catch {
        resolve(undefined);
      }
    });
    req.on("error", () => resolve(undefined));
  });
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

type Action = (
  accounts: AdminAccounts,
  body: Record<string, unknown>,
) => Promise<AccountOutcome> | AccountOutcome | undefined;

const ACTIONS: Record<string, Action> = {
  add: (a, b) => {
    const jid = str(b.jid);
    const password = str(b.password);
    return jid === undefined || password === undefined ? undefined : a.add(jid, password);
  },
  password: (a, b) => {
    const jid = str(b.jid);
    const password = str(b.password);
    return jid === undefined || password === undefined ? undefined : a.resetPassword(jid, password);
  },
  delete: (a, b) => {
    const jid = str(b.jid);
    return jid === undefined ? undefined : a.remove(jid);
  },
  unlock: (a, b) => {
    const jid = str(b.jid);
    return jid === undefined ? undefined : a.unlock(jid);
  },
};

async function api(
  deps: AdminServerDeps,
  startedAt: number,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
) {
  const guard = mayUseApi(deps.config, req);
  if (!guard.ok)
    return json(res, guard.status, { error: guard.why, tokenRequired: deps.config.token !== undefined });
  const url = new URL(req.url ?? "/", "http://admin");
  if (path === "/api/overview" && req.method === "GET") {
    const local = await overview(deps.server, deps.accounts, startedAt);
    return json(res, 200, deps.gatherOverview === undefined ? local : await deps.gatherOverview(local));
  }
  if (path.startsWith("/api/accounts") && deps.accounts === undefined)
    return json(res, 404, {
      error: "accounts live behind the auth API: manage them there (or with `xmpp-http-auth user`)",
    });
  const accounts = deps.accounts!;
  if (path === "/api/accounts" && req.method === "GET") {
    const domain = url.searchParams.get("domain") ?? accounts.domains[0] ?? "";
    const limit = Math.min(Math.max(Number(url.searchParams.get("limit") ?? 100) || 100, 1), 1000);
    return json(res, 200, await accounts.search(domain, url.searchParams.get("q") ?? "", limit));
  }
  const action = path.startsWith("/api/accounts/") ? ACTIONS[path.slice("/api/accounts/".length)] : undefined;
  if (action !== undefined && req.method === "POST") {
    if (!(req.headers["content-type"] ?? "").startsWith("application/json"))
      return json(res, 415, { error: "send application/json" });
    const body = await readJson(req);
    const outcome = body === undefined ? undefined : await action(accounts, body);
    if (outcome === undefined) return json(res, 400, { error: "send a JSON object with jid (and password)" });
    // The JID and the action only: never the password.
    deps.logger.info(
      { action: path.slice("/api/accounts/".length), jid: str(body?.jid), ok: outcome.ok },
      "admin: account action",
    );
    return json(res, outcome.ok ? 200 : 409, outcome.ok ? { ok: true } : { error: outcome.message });
  }
  return json(res, 404, { error: "no such API" });
}

function handle(deps: AdminServerDeps, startedAt: number, req: IncomingMessage, res: ServerResponse): void {
  let path: string;
  try {
    path = new URL(req.url ?? "/", "http://admin").pathname;
  } catch {
    return send(res, 400, "text/plain; charset=utf-8", "bad request");
  }
  if (path.startsWith("/api/")) {
    api(deps, startedAt, req, res, path).catch((err: unknown) => {
      deps.logger.error({ err: (err as Error).message }, "admin API failed");
      if (!res.headersSent) json(res, 500, { error: "internal error; see the server log" });
    });
    return;
  }
  const reach = mayReachPage(deps.config, req);
  if (!reach.ok) return send(res, reach.status, "text/plain; charset=utf-8", reach.why);
  if (req.method !== "GET" && req.method !== "HEAD")
    return send(res, 405, "text/plain; charset=utf-8", "method not allowed");
  if (path === "/") return send(res, 200, "text/html; charset=utf-8", PAGE_HTML);
  if (path === "/admin.js") return send(res, 200, "text/javascript; charset=utf-8", PAGE_SCRIPT);
  if (path === "/admin.css") return send(res, 200, "text/css; charset=utf-8", PAGE_STYLE);
  // Browsers ask for it unbidden; an empty answer keeps their consoles quiet.
  if (path === "/favicon.ico") return void res.writeHead(204, SECURITY_HEADERS).end();
  return send(res, 404, "text/plain; charset=utf-8", "not found");
}

export async function startAdminServer(deps: AdminServerDeps): Promise<AdminServer> {
  const startedAt = Date.now();
  const servers: Server[] = [];
  const addresses: AddressInfo[] = [];
  const close = () =>
    Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    ).then(() => undefined);
  try {
    let port = deps.config.port;
    for (const iface of deps.config.interfaces) {
      const s = createServer((req, res) => handle(deps, startedAt, req, res));
      s.headersTimeout = 10_000;
      s.requestTimeout = 15_000;
      servers.push(s);
      const l = await listen("admin", s, iface, port);
      addresses.push(l.address);
      port = l.address.port; // with port 0, every interface shares the first one's
    }
  } catch (err) {
    await close();
    throw err;
  }
  const first = addresses[0]!;
  const host = first.family === "IPv6" ? `[${first.address}]` : first.address;
  const url = `http://${host === "0.0.0.0" || host === "[::]" ? "localhost" : host}:${first.port}/`;
  deps.logger.info(
    { url, token: deps.config.token === undefined ? "none (loopback only)" : "required" },
    "admin page listening",
  );
  return { addresses, url, close };
}
