// A correct HTTP auth API written from the spec (docs/http-auth-protocol.md), with an
// in-memory user table, and the same API with exactly one fault switched on. The checker's tests run
// against it: the correct one must pass every probe, each fault must be caught by its probe only.
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CONTRACT, basicAuthorization, isMethod, type Method } from "../../src/auth/http/protocol.ts";
import { PROBE_IDS } from "../../src/checker/run-check.ts";
import { deriveCredentials, serialize } from "../../src/auth/scram.ts";

export type Fault =
  | "trailing-newline" // boolean bodies end with \n
  | "uppercase" // TRUE / FALSE
  | "json" // {"result":true}
  | "html-echo" // check_password answers an HTML page echoing the request URL
  | "writes-404" // write methods not implemented, answered 404
  | "writes-501" // write methods not implemented, answered 501 (allowed, not a fault)
  | "register-200" // register answers 200 instead of 201
  | "ignores-auth" // never looks at Authorization
  | "positional" // reads parameters by position (user, pass, server), not by name
  | "strict-content-type" // parses a form body only under the correct Content-Type
  | "chunked" // no Content-Length: Transfer-Encoding chunked
  | "slow" // every answer waits delayMs
  | "utf8-500" // 500 when the password holds a non-ASCII character
  | "get-password-plain" // get_password answers the plaintext password
  | "get-password-501"; // get_password not implemented (allowed, not a fault)

export interface ReferenceApiOptions {
  readonly credentials?: string;
  /** localpart → password, on server `localhost`. */
  readonly users?: Record<string, string>;
  readonly basePath?: string;
  readonly fault?: Fault;
  readonly delayMs?: number;
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly contentType: string | undefined;
  readonly body: string;
}

export interface ReferenceApi {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** The user table, serialised: a read-only run must leave it byte-for-byte the same. */
  snapshot(): string;
  close(): Promise<void>;
}

const WRITE_KEYS: Record<Method, readonly string[]> = {
  check_password: ["user", "pass", "server"],
  user_exists: ["user", "server"],
  register: ["user", "pass", "server"],
  set_password: ["user", "pass", "server"],
  remove_user: ["user", "server"],
};

function readParams(raw: string, method: Method, positional: boolean): Map<string, string> {
  const pairs = [...new URLSearchParams(raw)];
  if (!positional) return new Map(pairs);
  const keys = WRITE_KEYS[method];
  return new Map(
    pairs.flatMap(([, v], i) => (keys[i] === undefined ? [] : [[keys[i], v] as [string, string]])),
  );
}

function sameSecret(given: string | undefined, expected: string): boolean {
  const a = Buffer.from(given ?? "");
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startReferenceApi(options: ReferenceApiOptions = {}): Promise<ReferenceApi> {
  const fault = options.fault;
  const basePath = options.basePath ?? "/auth";
  const users = new Map<string, string>(
    Object.entries(options.users ?? {}).map(([u, p]) => [`${u}@localhost`, p]),
  );
  const requests: RecordedRequest[] = [];
  const expectedAuth =
    options.credentials === undefined ? undefined : basicAuthorization(options.credentials);

  function send(res: ServerResponse, status: number, body = "", type = "text/plain; charset=utf-8"): void {
    const headers: Record<string, string> = { "content-type": type };
    if (status === 401) headers["www-authenticate"] = 'Basic realm="xmpp"';
    if (fault === "chunked") {
      res.writeHead(status, headers);
      if (body !== "") res.write(body);
      res.end();
      return;
    }
    if (status !== 204) headers["content-length"] = String(Buffer.byteLength(body));
    res.writeHead(status, headers);
    res.end(status === 204 ? undefined : body);
  }

  function answerBoolean(res: ServerResponse, value: boolean): void {
    if (fault === "json") return send(res, 200, JSON.stringify({ result: value }), "application/json");
    const word = String(value);
    send(
      res,
      200,
      fault === "uppercase" ? word.toUpperCase() : fault === "trailing-newline" ? `${word}\n` : word,
    );
  }

  function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? "/", "http://x");
    requests.push({
      method: req.method ?? "",
      url: req.url ?? "",
      contentType: req.headers["content-type"],
      body,
    });
    const name = url.pathname.startsWith(basePath + "/") ? url.pathname.slice(basePath.length + 1) : "";
    if (name === "get_password") return getPassword(req, res, url);
    if (!isMethod(name)) return send(res, 404, "not found");
    if (
      expectedAuth !== undefined &&
      fault !== "ignores-auth" &&
      !sameSecret(req.headers.authorization, expectedAuth)
    ) {
      return send(res, 401, "unauthorized");
    }
    const contract = CONTRACT[name];
    if (!contract.booleanBody && fault === "writes-404") return send(res, 404, "not found");
    if (!contract.booleanBody && fault === "writes-501") return send(res, 501, "not implemented");
    if (req.method !== contract.verb) return send(res, 405, "method not allowed");
    // Parameters come from the query string or the form body, whatever the Content-Type says.
    const formOk =
      fault !== "strict-content-type" || req.headers["content-type"] === "application/x-www-form-urlencoded";
    const raw = contract.verb === "GET" ? url.search.slice(1) : formOk ? body : "";
    const params = readParams(raw, name, fault === "positional");
    const user = params.get("user");
    const server = params.get("server");
    const pass = params.get("pass");
    if (user === undefined || user === "" || server === undefined || server === "")
      return send(res, 400, "missing");
    if (contract.withPassword && pass === undefined) return send(res, 400, "missing pass");
    if (fault === "utf8-500" && pass !== undefined && /[^ -~]/.test(pass)) return send(res, 500, "error");
    if (fault === "html-echo" && name === "check_password") {
      return send(res, 200, `<html><body>Error for ${req.url ?? ""}</body></html>`, "text/html");
    }
    const key = `${user}@${server}`;
    switch (name) {
      case "check_password":
        return answerBoolean(res, users.get(key) === pass);
      case "user_exists":
        return answerBoolean(res, users.has(key));
      case "register":
        if (users.has(key)) return send(res, 409, "exists");
        users.set(key, pass ?? "");
        return send(res, fault === "register-200" ? 200 : 201);
      case "set_password":
        if (!users.has(key)) return send(res, 404, "no such user");
        users.set(key, pass ?? "");
        return send(res, 200);
      case "remove_user":
        users.delete(key);
        return send(res, 204);
    }
  }

  /** MongooseIM's extension: SCRAM credentials (never the password), 404 for no such user. */
  function getPassword(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (expectedAuth !== undefined && !sameSecret(req.headers.authorization, expectedAuth))
      return send(res, 401, "unauthorized");
    if (fault === "get-password-501") return send(res, 501, "not implemented");
    const key = `${url.searchParams.get("user") ?? ""}@${url.searchParams.get("server") ?? ""}`;
    const pass = users.get(key);
    if (pass === undefined) return send(res, 404, "no such user");
    if (fault === "get-password-plain") return send(res, 200, pass);
    send(res, 200, serialize(deriveCredentials(pass, 4096)));
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      if (fault === "slow") setTimeout(() => handle(req, res, body), options.delayMs ?? 1000);
      else handle(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    requests,
    snapshot: () => JSON.stringify([...users.entries()].sort()),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The known-good account every test run uses, and the credentials of the API that wants some. */
export const ALICE = { user: "alice", password: "wonder land&=+%/?-secret" } as const;
export const CREDENTIALS = "prosody:s3cr3t-cred";

export function statusesOf(results: ReadonlyArray<{ id: string; status: string }>): Record<string, string> {
  return Object.fromEntries(results.map((r) => [r.id, r.status]));
}

const LIFECYCLE_IDS = PROBE_IDS.map(([id]) => id).slice(
  PROBE_IDS.findIndex(([id]) => id === "register-new"),
  PROBE_IDS.findIndex(([id]) => id === "boolean-body"),
);

/** What a correct API gets: everything passes, except what the mode cannot check. */
export function referenceStatuses(mode: { credentials: boolean; writes: boolean }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id] of PROBE_IDS) out[id] = "pass";
  if (!mode.credentials) {
    out["auth-required"] = "warn";
    out["auth-wrong-rejected"] = "skip";
  }
  if (!mode.writes) for (const id of LIFECYCLE_IDS) out[id] = "skip";
  return out;
}
