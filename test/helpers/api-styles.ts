// A corpus of HTTP auth APIs written the way developers write them, each one small and in the style of
// its framework: the parts that decide what our server and Prosody make of them (how the form body is
// parsed, what an unknown route answers, what "no" looks like) behave as in the real framework.
// Users on server `localhost`: alice/wonderland, bob/builder, carol/c4rol.
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type ApiStyle =
  | "flask" // request.form: parsed only for application/x-www-form-urlencoded; a missing key → HTML 400
  | "php" // $_POST: filled only for x-www-form-urlencoded or multipart; the script answers 400 itself
  | "express" // express.urlencoded(): strict about the type; an unknown route → HTML "Cannot POST"
  | "pleroma" // 403 `false` wrong password, 404 `false` unknown user; no routes for writes (JSON 404)
  | "open-501" // no credentials (loopback), writes answered 501 (a livechat-style read-only bridge)
  | "no-user-404"; // everything implemented; a write for a user it does not know → 404 "no such user"

export const CREDENTIALS = "prosody:secret";
export const USERS: Readonly<Record<string, string>> = {
  alice: "wonderland",
  bob: "builder",
  carol: "c4rol",
};

export interface StyleApi {
  readonly url: string;
  /** Every request: path and Content-Type (POST), to assert what was sent. */
  readonly requests: Array<{ readonly path: string; readonly contentType: string | undefined }>;
  close(): Promise<void>;
}

type Reply = readonly [status: number, body: string, type?: string];

const WERKZEUG_400 =
  "<!doctype html>\n<html lang=en>\n<title>400 Bad Request</title>\n<h1>Bad Request</h1>\n<p>The browser (or proxy) sent a request that this server could not understand.</p>\n";
const PHOENIX_404 = '{"errors":{"detail":"Not Found"}}';

/** The form as each framework would hand it to the handler (undefined: no form at all). */
function formOf(style: ApiStyle, contentType: string | undefined, body: string): URLSearchParams {
  const mime = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const parsed =
    style === "pleroma" || style === "open-501" || style === "no-user-404"
      ? true // these read the body whatever its type says
      : style === "php"
        ? mime === "application/x-www-form-urlencoded" || mime === "multipart/form-data"
        : mime === "application/x-www-form-urlencoded";
  return parsed ? new URLSearchParams(body) : new URLSearchParams();
}

function missing(style: ApiStyle, method: string): Reply {
  if (style === "flask") return [400, WERKZEUG_400, "text/html; charset=utf-8"];
  if (style === "php") return [400, "missing user"];
  if (style === "no-user-404" && method !== "register") return [404, "no such user"];
  return [400, "user required"];
}

function handle(style: ApiStyle, users: Map<string, string>, method: string, p: URLSearchParams): Reply {
  const user = p.get("user") ?? "";
  const pass = p.get("pass");
  const known = users.has(user);
  const isWrite = method === "register" || method === "set_password" || method === "remove_user";
  if (style === "pleroma" && isWrite) return [404, PHOENIX_404, "application/json"];
  if (style === "open-501" && isWrite) return [501, "Not Implemented"];
  if (user === "") return missing(style, method);
  switch (method) {
    case "check_password":
      if (style === "pleroma")
        return known ? (users.get(user) === pass ? [200, "true"] : [403, "false"]) : [404, "false"];
      return [200, String(known && users.get(user) === pass)];
    case "user_exists":
      if (style === "pleroma") return known ? [200, "true"] : [404, "false"];
      return [200, String(known)];
    case "register":
      if (known) return [409, "exists"];
      users.set(user, pass ?? "");
      return [201, ""];
    case "set_password":
      if (!known) return missing(style, method);
      users.set(user, pass ?? "");
      return style === "flask" ? [204, ""] : [200, "ok"];
    case "remove_user":
      if (!known) return missing(style, method);
      users.delete(user);
      return [200, ""];
    default:
      return style === "express"
        ? [404, `<!DOCTYPE html>\n<html><body><pre>Cannot GET /${method}</pre></body></html>`, "text/html"]
        : [404, "not found"];
  }
}

function authorized(req: IncomingMessage): boolean {
  const want = Buffer.from("Basic " + Buffer.from(CREDENTIALS).toString("base64"));
  const got = Buffer.from(req.headers.authorization ?? "");
  return got.length === want.length && timingSafeEqual(got, want);
}

export async function startStyleApi(style: ApiStyle): Promise<StyleApi> {
  const users = new Map(Object.entries(USERS));
  const requests: Array<{ path: string; contentType: string | undefined }> = [];
  const send = (res: ServerResponse, [status, body, type]: Reply): void => {
    res.writeHead(status, {
      "content-type": type ?? "text/plain; charset=utf-8",
      "content-length": Buffer.byteLength(body),
    });
    res.end(body);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://api");
      requests.push({ path: url.pathname, contentType: req.headers["content-type"] });
      if (style !== "open-501" && !authorized(req)) {
        res.setHeader("www-authenticate", 'Basic realm="xmpp"');
        return send(res, [401, "unauthorized"]);
      }
      const method = url.pathname.replace(/^\/auth\//, "");
      const params =
        req.method === "POST"
          ? formOf(style, req.headers["content-type"], Buffer.concat(chunks).toString("utf8"))
          : url.searchParams;
      send(res, handle(style, users, method, params));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/auth`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
