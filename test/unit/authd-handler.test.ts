// The handler's answers to bad input, over real HTTP against authd on a real SQLite file. Every
// answer is checked precisely (status and body).
import assert from "node:assert/strict";
import { test } from "node:test";
import { request as httpRequest } from "node:http";
import { createAuthHandler } from "../../src/authd/handler.ts";
import { basic } from "./authd-helpers.ts";
import { AUTH, call, setup } from "./authd-handler-call.ts";

void test("answers: text/plain with Content-Length, bodies exactly true/false", async (t) => {
  const { origin } = await setup(t);
  const yes = await call(origin, "GET", "/auth/check_password?user=alice&pass=wonderland&server=example.com");
  assert.deepEqual([yes.status, yes.body], [200, "true"]);
  assert.equal(yes.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(yes.headers.get("content-length"), "4");
  const no = await call(origin, "GET", "/auth/check_password?user=alice&pass=nope&server=example.com");
  assert.deepEqual([no.status, no.body, no.headers.get("content-length")], [200, "false", "5"]);
  // Case-mapped username: ALICE is alice.
  const upper = await call(origin, "GET", "/auth/user_exists?user=ALICE&server=EXAMPLE.COM");
  assert.deepEqual([upper.status, upper.body], [200, "true"]);
});

void test("missing, duplicate and malformed parameters are 400", async (t) => {
  const { origin } = await setup(t);
  const cases: Array<[string, string, string | undefined, string]> = [
    ["GET", "/auth/user_exists?server=example.com", undefined, "missing parameter: user"],
    ["GET", "/auth/user_exists?user=alice", undefined, "missing parameter: server"],
    ["GET", "/auth/check_password?user=alice&server=example.com", undefined, "missing parameter: pass"],
    ["POST", "/auth/register", "user=zed&server=example.com", "missing parameter: pass"],
    [
      "GET",
      "/auth/user_exists?user=alice&user=bob&server=example.com",
      undefined,
      "duplicate parameter: user",
    ],
    // The same name in the query and in the body is ambiguous too.
    ["POST", "/auth/remove_user?user=alice", "user=alice&server=example.com", "duplicate parameter: user"],
    [
      "GET",
      "/auth/user_exists?user=%ff&server=example.com",
      undefined,
      "bad percent-encoding or invalid UTF-8",
    ],
    [
      "GET",
      "/auth/user_exists?user=%zz&server=example.com",
      undefined,
      "bad percent-encoding or invalid UTF-8",
    ],
    [
      "POST",
      "/auth/set_password",
      "user=alice&pass=%c3&server=example.com",
      "bad percent-encoding or invalid UTF-8",
    ],
  ];
  for (const [verb, path, body, reason] of cases) {
    const a = await call(origin, verb, path, body === undefined ? {} : { body });
    assert.deepEqual([a.status, a.body], [400, reason], `${verb} ${path} ${body ?? ""}`);
  }
  // Nothing was changed by the refused writes.
  assert.equal(
    (await call(origin, "GET", "/auth/check_password?user=alice&pass=wonderland&server=example.com")).body,
    "true",
  );
});

void test("a form body is read whatever its Content-Type says (Prosody's typo included)", async (t) => {
  const { origin } = await setup(t);
  for (const type of ["application/x/www-form-urlencoded", "text/plain", "application/octet-stream"]) {
    const a = await call(origin, "POST", "/auth/set_password", {
      body: "user=alice&pass=new+pw&server=example.com",
      type,
    });
    assert.deepEqual([a.status, a.body], [200, ""], type);
  }
  assert.equal(
    (await call(origin, "GET", "/auth/check_password?user=alice&pass=new%20pw&server=example.com")).body,
    "true",
  );
});

void test("credentials: missing or wrong is 401 with a Basic challenge", async (t) => {
  const { origin } = await setup(t);
  for (const auth of [
    null,
    basic("prosody:wrong"),
    basic("prosody:s3cret-basic2"),
    "Bearer x",
    "Basic !!!",
    basic(""),
  ]) {
    const a = await call(origin, "GET", "/auth/user_exists?user=alice&server=example.com", { auth });
    assert.equal(a.status, 401, String(auth));
    assert.equal(a.headers.get("www-authenticate"), 'Basic realm="xmpp-http-auth"');
    assert.notEqual(a.body, "true");
  }
  // Stricter than RFC 7617 §2: the scheme is spelled as Prosody sends it (test/regress/authd-basic-strict).
  const lower = await call(origin, "GET", "/auth/user_exists?user=alice&server=example.com", {
    auth: AUTH.replace("Basic", "basic"),
  });
  assert.equal(lower.status, 401);
});

void test("verbs, paths and method names", async (t) => {
  const { origin } = await setup(t);
  const get = await call(origin, "POST", "/auth/check_password", {
    body: "user=alice&pass=wonderland&server=example.com",
  });
  assert.deepEqual([get.status, get.headers.get("allow")], [405, "GET"]);
  const post = await call(origin, "GET", "/auth/register?user=x&pass=y&server=example.com");
  assert.deepEqual([post.status, post.headers.get("allow")], [405, "POST"]);
  for (const path of [
    "/auth/frobnicate",
    "/auth",
    "/auth/",
    "/other/check_password",
    "/",
    "/auth/check_password/x",
    "/authcheck_password",
  ]) {
    const a = await call(origin, "GET", `${path}?user=alice&pass=wonderland&server=example.com`);
    assert.equal(a.status, 404, path);
  }
});

void test("writes: 201 / 409, 200 / 404, and their effects", async (t) => {
  const { origin } = await setup(t);
  const again = await call(origin, "POST", "/auth/register", {
    body: "user=Alice&pass=x&server=example.com",
  });
  assert.equal(again.status, 409);
  const missing = await call(origin, "POST", "/auth/set_password", {
    body: "user=nobody&pass=x&server=example.com",
  });
  assert.equal(missing.status, 404);
  const gone = await call(origin, "POST", "/auth/remove_user", { body: "user=nobody&server=example.com" });
  assert.equal(gone.status, 404);
  const empty = await call(origin, "POST", "/auth/register", { body: "user=zed&pass=&server=example.com" });
  assert.deepEqual([empty.status, empty.body], [400, "empty password"]);
  const removed = await call(origin, "POST", "/auth/remove_user", { body: "user=alice&server=example.com" });
  assert.deepEqual([removed.status, removed.body, removed.headers.get("content-length")], [200, "", "0"]);
  assert.equal((await call(origin, "GET", "/auth/user_exists?user=alice&server=example.com")).body, "false");
});

void test("an unknown domain has no accounts: false for questions, 404 for writes", async (t) => {
  const { origin } = await setup(t);
  // alice exists on example.com; other.test must not get example.com's answer.
  assert.equal((await call(origin, "GET", "/auth/user_exists?user=alice&server=other.test")).body, "false");
  assert.equal(
    (await call(origin, "GET", "/auth/check_password?user=alice&pass=wonderland&server=other.test")).body,
    "false",
  );
  assert.equal(
    (await call(origin, "POST", "/auth/register", { body: "user=alice&pass=x&server=other.test" })).status,
    404,
  );
  assert.equal(
    (await call(origin, "POST", "/auth/remove_user", { body: "user=alice&server=other.test" })).status,
    404,
  );
  assert.equal((await call(origin, "GET", "/auth/user_exists?user=alice&server=example.com")).body, "true");
});

void test("invalid usernames: false for questions, 400 for writes", async (t) => {
  const { origin } = await setup(t);
  const long = "a".repeat(1024);
  for (const user of ["", long]) {
    assert.equal(
      (await call(origin, "GET", `/auth/user_exists?user=${user}&server=example.com`)).body,
      "false",
    );
    const w = await call(origin, "POST", "/auth/register", {
      body: `user=${user}&pass=x&server=example.com`,
    });
    assert.deepEqual([w.status, w.body], [400, "invalid username"]);
  }
});

void test("size limits: a 1 MiB username is refused, as a body (413) and as a query (414 or 431)", async (t) => {
  const { origin } = await setup(t);
  const huge = "u".repeat(1024 * 1024);
  const body = await call(origin, "POST", "/auth/register", {
    body: `user=${huge}&pass=x&server=example.com`,
  }).catch(
    (err: unknown) => ({ status: 413, body: String(err), headers: new Headers() }), // the server may close while the client still sends
  );
  assert.equal(body.status, 413);
  // node:http refuses such a request line itself (431); the handler alone answers 414.
  const viaNode = await new Promise<number>((resolve, reject) => {
    const req = httpRequest(
      `${origin}/auth/user_exists?server=example.com&user=${huge}`,
      { headers: { authorization: AUTH } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
    req.end();
  });
  assert.ok(viaNode === 431 || viaNode === 414, String(viaNode));
  const handler = createAuthHandler({ checkPassword: () => true, userExists: () => true });
  const direct = await handler(new Request(`http://x/auth/user_exists?server=example.com&user=${huge}`));
  assert.equal(direct.status, 414);
  assert.equal((await call(origin, "GET", "/auth/user_exists?user=alice&server=example.com")).body, "true");
});

void test("a backend without writes answers 501 for them; a failing backend answers 500", async () => {
  const handler = createAuthHandler({
    checkPassword: () => true,
    userExists: () => Promise.reject(new Error("down")),
  });
  const form = { method: "POST", body: "user=a&pass=b&server=s" };
  for (const m of ["register", "set_password", "remove_user"]) {
    assert.equal((await handler(new Request(`http://x/auth/${m}`, form))).status, 501, m);
  }
  const down = await handler(new Request("http://x/auth/user_exists?user=a&server=s"));
  assert.equal(down.status, 500);
  assert.notEqual(await down.text(), "false");
});
