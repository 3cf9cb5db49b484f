// Regression: authd accepted `Authorization: basic …` (lower case) and junk after the base64 padding.
// Harmless, but the contract is strict elsewhere: only what Prosody and our provider send is accepted,
// `Basic`, one space, canonical base64 and nothing after it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AUTH, CREDENTIALS, call, setup } from "../unit/authd-handler-call.ts";

test("only `Basic <canonical base64>` is accepted as credentials", async (t) => {
  const { origin } = await setup(t);
  const b64 = Buffer.from(CREDENTIALS, "utf8").toString("base64");
  assert.ok(b64.endsWith("="), "the test needs credentials whose base64 is padded");
  const path = "/auth/user_exists?user=alice&server=example.com";
  assert.deepEqual(await call(origin, "GET", path).then((a) => [a.status, a.body]), [200, "true"]);
  for (const auth of [
    AUTH.replace("Basic", "basic"),
    AUTH.replace("Basic", "BASIC"),
    `Basic ${b64}junk`,
    `Basic ${b64}=`,
    `Basic ${b64}AAAA`,
    `Basic ${b64.replace(/=+$/, "")}`,
    `Basic  ${b64}`,
    `Basic\t${b64}`,
  ]) {
    const a = await call(origin, "GET", path, { auth });
    assert.equal(a.status, 401, auth);
    assert.notEqual(a.body, "true");
  }
});
