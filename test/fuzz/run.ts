// The long fuzz run: `npm run fuzz -- --minutes N [--seed S]` runs every target of ./targets.ts,
// sharing the N minutes between them, and exits 1 with fast-check's report on the first failure.
import { parseArgs } from "node:util";
import { TARGETS, runAll } from "./targets.ts";

const { values } = parseArgs({
  options: { minutes: { type: "string", default: "5" }, seed: { type: "string" } },
});
const minutes = Number(values.minutes);
if (!(minutes > 0)) {
  console.error("--minutes must be a positive number");
  process.exit(2);
}
const msEach = Math.floor((minutes * 60_000) / Object.keys(TARGETS).length);
console.error(`fuzzing ${Object.keys(TARGETS).join(", ")} for ${minutes} min (${msEach / 1000} s each)`);
try {
  runAll(msEach, values.seed === undefined ? undefined : Number(values.seed));
  console.error("no failure");
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
