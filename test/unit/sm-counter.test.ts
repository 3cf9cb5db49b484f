// XEP-0198 §4: h is an unsigned 32-bit counter that wraps; acks across the wrap count correctly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ackedSince, H_MODULUS, nextH, parseH } from "../../src/modules/sm/counter.ts";

test("h wraps to 0 after 2^32 - 1", () => {
  assert.equal(nextH(0), 1);
  assert.equal(nextH(H_MODULUS - 1), 0);
});

test("acks across the wrap count the stanzas in between", () => {
  assert.equal(ackedSince(5, 7), 2);
  assert.equal(ackedSince(H_MODULUS - 2, 1), 3);
  assert.equal(ackedSince(7, 7), 0);
});

test("h must be decimal digits below 2^32", () => {
  assert.equal(parseH("0"), 0);
  assert.equal(parseH("4294967295"), 4294967295);
  assert.equal(parseH("4294967296"), undefined);
  assert.equal(parseH("-1"), undefined);
  assert.equal(parseH("1e3"), undefined);
  assert.equal(parseH(" 1"), undefined);
  assert.equal(parseH(undefined), undefined);
});
