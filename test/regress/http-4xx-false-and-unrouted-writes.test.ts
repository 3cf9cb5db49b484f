// Guards issue 11: a 4xx whose body is exactly `false` (Pleroma: 403 wrong password, 404 unknown user)
// is a "no", not an outage; a write answered 404/405 without an HTML page is "not implemented" like
// 501; a 404 HTML page (a wrong URL) stays backend trouble and is logged as such. Rows of the answer
// table in src/auth/http/answers.ts, through the real provider over a real socket.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, it } from "node:test";
import { createHttpProvider } from "../../src/auth/http/provider.ts";
import type { AuthProvider } from "../../src/auth/provider.ts";
import { createLogger } from "../../src/log.ts";
import { startRecorder, type Recorder } from "../helpers/http-recorder.ts";

const ANSWERS: Record<string, readonly [number, string]> = {};
const lines: string[] = [];
let rec: Recorder;
let provider: AuthProvider;

before(async () => {
  rec = await startRecorder((_req, res, r) => {
    const [status, body] = ANSWERS[r.path.replace(/^\/auth\//, "")] ?? [500, "unset"];
    res.writeHead(status, { "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ level: "debug", destination });
  provider = createHttpProvider({ url: `${rec.origin}/auth`, host: "example.com", logger });
});

after(async () => {
  await provider.close();
  await rec.close();
});

const set = (method: string, status: number, body: string): void => {
  ANSWERS[method] = [status, body];
};

it("check_password: 403 and 404 `false` are a wrong password; 401, 5xx, 429 `false` are trouble", async () => {
  for (const status of [400, 403, 404, 410, 422]) {
    set("check_password", status, "false");
    assert.deepEqual(await provider.checkPassword("alice", "WRONG"), { outcome: "false" }, String(status));
  }
  for (const status of [401, 407, 408, 429, 500, 503]) {
    set("check_password", status, "false");
    const r = await provider.checkPassword("alice", "WRONG");
    assert.equal(r.outcome, "backend-error", String(status));
  }
  // Only exactly `false`: a 403 page, or a 404 `true`, is not an answer.
  for (const [status, body] of [
    [403, "Forbidden"],
    [404, "true"],
    [404, "false\n"],
  ] as const) {
    set("check_password", status, body);
    assert.equal((await provider.checkPassword("alice", "x")).outcome, "backend-error", `${status} ${body}`);
  }
});

it("user_exists: 404 `false` is no such user (so a message to it is bounced)", async () => {
  set("user_exists", 404, "false");
  assert.deepEqual(await provider.userExists("ghost"), { outcome: "false" });
});

it("writes: 404/405 without an HTML page are not implemented; with one, backend trouble logged as such", async () => {
  set("register", 404, '{"errors":{"detail":"Not Found"}}');
  assert.deepEqual(await provider.register("newbie", "pw"), { outcome: "unsupported" });
  set("set_password", 405, "Method Not Allowed");
  assert.deepEqual(await provider.setPassword("alice", "pw"), { outcome: "unsupported" });
  set("remove_user", 404, "no such user");
  assert.deepEqual(await provider.removeUser("alice"), { outcome: "unsupported" });
  lines.length = 0;
  set("remove_user", 404, "<!DOCTYPE html><html><body>Cannot POST /auth/remove_user</body></html>");
  const r = await provider.removeUser("alice");
  assert.equal(r.outcome, "backend-error");
  const warning = lines.map((l) => JSON.parse(l) as { level: number; msg: string; status?: number }).at(-1);
  assert.equal(warning?.level, 40);
  assert.equal(warning?.status, 404);
  assert.match(warning?.msg ?? "", /an HTML error page \(is http_auth_url right\?\)/);
  // Other statuses to a write stay trouble, as before.
  set("register", 400, "bad");
  assert.equal((await provider.register("newbie", "pw")).outcome, "backend-error");
});
