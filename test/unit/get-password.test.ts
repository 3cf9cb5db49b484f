// get_password, MongooseIM's extension, from both sides: authd answers SCRAM credentials only (never
// a password), and the provider reads an answer failing closed on anything but those credentials.
import assert from "node:assert/strict";
import { test } from "node:test";
import { keysFromSalted, parseSerialized, saltedPassword } from "../../src/auth/scram.ts";
import { readGetPassword } from "../../src/auth/http/get-password.ts";
import { createAuthHandler } from "../../src/authd/handler.ts";
import { call, setup } from "./authd-handler-call.ts";

test("authd answers SCRAM credentials that follow from the password, and new ones after set_password", async (t) => {
  const { origin, logs } = await setup(t, { scram_iterations: 4096 });
  const r = await call(origin, "GET", "/auth/get_password?user=alice&server=example.com");
  assert.equal(r.status, 200);
  assert.match(r.body, /^==MULTI_SCRAM==,4096,===SHA1===[^,]+,==SHA256==[^,]+$/);
  const c = parseSerialized(r.body);
  for (const hash of ["sha1", "sha256"] as const) {
    const k = c?.keys[hash];
    assert.ok(k, hash);
    const d = keysFromSalted(hash, k.salt, saltedPassword(hash, "wonderland", k.salt, 4096));
    assert.ok(d.storedKey.equals(k.storedKey) && d.serverKey.equals(k.serverKey), hash);
  }
  assert.ok(c?.keys.sha1 && c.keys.sha256 && !c.keys.sha1.salt.equals(c.keys.sha256.salt), "a salt per hash");
  assert.doesNotMatch(logs(), /MULTI_SCRAM|wonderland/, "credentials are never logged");

  const changed = await call(origin, "POST", "/auth/set_password", {
    body: "user=alice&pass=looking-glass&server=example.com",
  });
  assert.equal(changed.status, 200);
  const after = parseSerialized(
    (await call(origin, "GET", "/auth/get_password?user=alice&server=example.com")).body,
  );
  const k = after?.keys.sha256;
  assert.ok(k);
  const d = keysFromSalted("sha256", k.salt, saltedPassword("sha256", "looking-glass", k.salt, 4096));
  assert.ok(d.storedKey.equals(k.storedKey));
});

test("authd: 404 for no such user, 405 for POST, 400 without a user", async (t) => {
  const { origin } = await setup(t);
  assert.equal((await call(origin, "GET", "/auth/get_password?user=nobody&server=example.com")).status, 404);
  assert.equal(
    (await call(origin, "POST", "/auth/get_password", { body: "user=alice&server=example.com" })).status,
    405,
  );
  assert.equal((await call(origin, "GET", "/auth/get_password?server=example.com")).status, 400);
  assert.equal((await call(origin, "GET", "/auth/get_password?user=alice&server=other.test")).status, 404);
});

test("a backend without get_password answers 501", async () => {
  const handler = createAuthHandler({ checkPassword: () => true, userExists: () => true });
  const r = await handler(new Request("http://x/auth/get_password?user=a&server=example.com"));
  assert.equal(r.status, 501);
});

const answer = (status: number, body: string | undefined) =>
  ({ kind: "answer", status, body: body === undefined ? undefined : Buffer.from(body) }) as const;

test("the provider reads get_password answers, refusing a plaintext password", () => {
  const creds =
    "==SCRAM==,tmi5IE+9pceRV/jkPLFHEaVY33c=,MiWNa8T3dniVDwmh77ufJ41fpAQ=,inKXODlSY5y5SCsLxibi0w==,4096";
  assert.equal(readGetPassword(answer(200, creds)).outcome, "ok");
  const cases: Array<[number, string | undefined, string, string?]> = [
    [200, "wonderland", "backend-error", "bad-body"],
    [200, "", "backend-error", "bad-body"],
    [200, undefined, "backend-error", "body-too-large"],
    [404, "no such user", "false"],
    [404, "", "false"],
    [404, "<html><body>Not Found</body></html>", "backend-error", "status"],
    [501, "not implemented", "unsupported"],
    [500, "boom", "backend-error", "status"],
    [401, "", "backend-error", "status"],
  ];
  for (const [status, body, outcome, reason] of cases) {
    const r = readGetPassword(answer(status, body));
    assert.equal(r.outcome, outcome, `${status} ${body}`);
    if (reason !== undefined)
      assert.equal(r.outcome === "backend-error" && r.reason, reason, `${status} ${body}`);
  }
});
