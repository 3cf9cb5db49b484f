// The bounded fuzz run inside `npm test`: every target of ./targets.ts for about 7 s (30 s in all).
// A longer run: `npm run fuzz -- --minutes N`. A failure prints fast-check's seed and path; replay
// it with `npm run fuzz -- --seed S`.
import { test } from "node:test";
import { TARGETS, runAll } from "./targets.ts";

const MS_EACH = Math.floor(28_000 / Object.keys(TARGETS).length);

test("fuzz: stream parser (TCP chunking), framed parser (WebSocket), authd form parser, SASL PLAIN", () => {
  runAll(MS_EACH);
});
