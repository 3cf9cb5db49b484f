// The strict form parser: Prosody's encoding decodes, anything ambiguous or malformed is refused.
import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeValue } from "../../src/auth/http/protocol.ts";
import { decodeComponent, parseForm } from "../../src/authd/form-params.ts";

const WANTED = ["user", "server", "pass"];

void test("decodes Prosody's encoding back to the original value", () => {
  for (const value of ["p äss&=+/?%", "x y", "zoë", "日本語", "a+b", ""]) {
    assert.equal(decodeComponent(encodeValue(value)), value);
  }
});

void test("reads parameters by name in any order, from the query and the body", () => {
  const r = parseForm(["server=example.com&user=alice", "pass=p+%c3%a4ss%26"], WANTED);
  assert.ok(r.ok);
  assert.deepEqual(Object.fromEntries(r.params), { server: "example.com", user: "alice", pass: "p äss&" });
});

void test("ignores unknown parameters and empty pairs; a bare name is an empty value", () => {
  const r = parseForm(["user=a&&x=1&pass&server=s"], WANTED);
  assert.ok(r.ok);
  assert.deepEqual(Object.fromEntries(r.params), { user: "a", pass: "", server: "s" });
});

void test("a duplicate wanted parameter is refused, within one source or across two", () => {
  assert.deepEqual(parseForm(["user=a&user=b"], WANTED), { ok: false, reason: "duplicate parameter: user" });
  assert.deepEqual(parseForm(["user=a", "user=a"], WANTED), {
    ok: false,
    reason: "duplicate parameter: user",
  });
  // ...also when spelled differently.
  assert.equal(parseForm(["user=a&%75ser=b"], WANTED).ok, false);
});

void test("bad percent-encoding and invalid UTF-8 are refused, never replaced", () => {
  for (const bad of [
    "user=%zz",
    "user=%4",
    "user=%",
    "user=%ff",
    "user=%c3",
    "user=%ed%a0%80",
    "x=%ff&user=a",
  ]) {
    assert.equal(parseForm([bad], WANTED).ok, false, bad);
  }
});
