// Hostile input and secrets: SQL metacharacters in every field are only data, and the captured
// log never holds a password, a check_password query or Basic credentials.
import assert from "node:assert/strict";
import { test } from "node:test";
import { usernameCaseMapped } from "../../src/precis/index.ts";
import { basic } from "./authd-helpers.ts";
import { AUTH, call, setup } from "./authd-handler-call.ts";

void test("SQL metacharacters in every field are data: nothing else is stored, answers are precise", async (t) => {
  const { origin } = await setup(t, { lockout_max_failures: 0 }); /* many wrong passwords for alice here */
  const evil = [
    "' OR '1'='1",
    "alice'--",
    '"; DROP TABLE accounts; --',
    "%",
    "_",
    "a\\",
    "x' UNION SELECT hash FROM accounts --",
  ];
  for (const v of evil) {
    const e = encodeURIComponent(v);
    assert.equal(
      (await call(origin, "GET", `/auth/check_password?user=${e}&pass=${e}&server=example.com`)).body,
      "false",
      v,
    );
    assert.equal(
      (await call(origin, "GET", `/auth/check_password?user=alice&pass=${e}&server=example.com`)).body,
      "false",
      v,
    );
    assert.equal(
      (await call(origin, "GET", `/auth/user_exists?user=${e}&server=example.com`)).body,
      "false",
      v,
    );
    assert.equal((await call(origin, "GET", `/auth/user_exists?user=alice&server=${e}`)).body, "false", v);
    // Precise: 400 when the name is not a valid username (a space is not allowed), else 404.
    const expected = usernameCaseMapped(v).ok ? 404 : 400;
    const removed = await call(origin, "POST", "/auth/remove_user", { body: `user=${e}&server=example.com` });
    assert.equal(removed.status, expected, v);
    assert.equal(
      (await call(origin, "POST", "/auth/register", { body: `user=alice&pass=x&server=${e}` })).status,
      404,
      v,
    );
  }
  // Registered with metacharacters, the account is exactly that one.
  const name = encodeURIComponent("o'brien");
  const pw = encodeURIComponent("' OR 1=1 --");
  assert.equal(
    (await call(origin, "POST", "/auth/register", { body: `user=${name}&pass=${pw}&server=example.com` }))
      .status,
    201,
  );
  assert.equal(
    (await call(origin, "GET", `/auth/check_password?user=${name}&pass=${pw}&server=example.com`)).body,
    "true",
  );
  assert.equal(
    (await call(origin, "GET", `/auth/check_password?user=${name}&pass=x&server=example.com`)).body,
    "false",
  );
  assert.equal(
    (await call(origin, "GET", "/auth/check_password?user=alice&pass=wonderland&server=example.com")).body,
    "true",
  );
  assert.equal((await call(origin, "GET", "/auth/user_exists?user=obrien&server=example.com")).body, "false");
});

void test("logs: method, server, user, status and latency; never the password, the query or credentials", async (t) => {
  const s = await setup(t);
  const secret = "Sup3r-Secr3t_pw";
  await call(s.origin, "GET", `/auth/check_password?user=alice&pass=${secret}&server=example.com`);
  await call(s.origin, "GET", `/auth/check_password?user=alice&pass=wonderland&server=example.com`);
  await call(s.origin, "POST", "/auth/set_password", {
    body: `user=alice&pass=${secret}&server=example.com`,
  });
  await call(s.origin, "GET", `/auth/check_password?user=alice&pass=${secret}&server=example.com`, {
    auth: basic("prosody:wrong"),
  });
  await call(s.origin, "GET", `/auth/check_password?user=alice&pass=${secret}&pass=x&server=example.com`);
  const logs = s.logs();
  for (const leak of [
    secret,
    "wonderland",
    "pass=",
    "s3cret-basic",
    AUTH.slice(6),
    "cHJvc29keTp3cm9uZw",
    "?user",
  ]) {
    assert.ok(!logs.includes(leak), `log contains ${leak}`);
  }
  const lines = logs
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const checked = lines.find((l) => l["method"] === "check_password" && l["status"] === 200);
  assert.ok(checked !== undefined);
  assert.equal(checked["server"], "example.com");
  assert.equal(checked["user"], "alice");
  assert.equal(typeof checked["ms"], "number");
});
