// Regression: authd decoded form values one UTF-16 unit at a time, so a raw (not percent-encoded)
// non-BMP character such as 😀 became two U+FFFD: register stored the wrong password, the right one
// then answered `false` and `\uFFFD\uFFFD pw` answered `true`. Callers other than our server (which
// percent-encodes everything) send raw UTF-8.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeComponent, parseForm } from "../../src/authd/form-params.ts";
import { call, setup } from "../unit/authd-handler-call.ts";

test("a raw non-BMP character in a form body is the character itself", async (t) => {
  const { origin } = await setup(t);
  const created = await call(origin, "POST", "/auth/register", {
    body: "user=emo&server=example.com&pass=😀+pw",
  });
  assert.equal(created.status, 201);
  const check = (pass: string) =>
    call(origin, "GET", `/auth/check_password?user=emo&server=example.com&pass=${encodeURIComponent(pass)}`);
  assert.equal((await check("😀 pw")).body, "true");
  assert.equal((await check("\uFFFD\uFFFD pw")).body, "false");
});

test("decodeComponent keeps surrogate pairs whole and refuses lone surrogates", () => {
  assert.equal(decodeComponent("😀+pw"), "😀 pw");
  assert.equal(decodeComponent("a%20😀%F0%9F%98%80𝄞"), "a 😀😀𝄞");
  assert.equal(decodeComponent("x\uD83D+y"), undefined, "a lone high surrogate");
  assert.equal(decodeComponent("x\uDE00"), undefined, "a lone low surrogate, no + or %");
  assert.equal(parseForm(["pass=\uD83D"], ["pass"]).ok, false);
});
