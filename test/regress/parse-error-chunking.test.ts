// Regression (found by the fuzz targets, issue 10 item 14): text between stanzas followed by an
// undefined entity was `restricted-xml` when it arrived in one chunk but `not-well-formed` when cut
// before the text; the parser now reports the first fault whatever the chunking.
import { test } from "node:test";
import assert from "node:assert/strict";
import { HEADER, errorOf, run } from "../helpers/stream-recorder.ts";

test("the first fault is reported, however the input is cut", () => {
  const input = Buffer.from(HEADER + "essage>&unknown;</message>");
  assert.equal(errorOf(input), "not-well-formed");
  for (let cut = HEADER.length - 3; cut < input.length; cut++) {
    const events = run([input.subarray(0, cut), input.subarray(cut)]);
    const error = events.find((e) => e.type === "error");
    assert.equal(error?.type === "error" ? error.condition : undefined, "not-well-formed", `cut at ${cut}`);
  }
});

test("an undefined entity inside a stanza is still restricted-xml", () => {
  assert.equal(errorOf(HEADER + "<message>&unknown;</message>"), "restricted-xml");
});
