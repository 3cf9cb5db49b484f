// Regression: three test files read Prosody's recordings from a folder outside the repository, so
// `npm test` failed in a plain clone. Everything a test, script, example or source file reads must
// live in the repository (the recordings are in test/fixtures/prosody-wire/).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
// Built at run time so that this file does not itself name the folder it forbids.
const OUTSIDE = ["..", ["sha", "red"].join(""), ""].join("/");
const ROOTS = ["src", "test", "scripts", "examples"];

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (/\.(ts|js|mjs|cjs|sh|py|json|md)$/.test(name)) yield path;
  }
}

test("no source, test, script or example reads or names a folder beside the repository", () => {
  const offenders: string[] = [];
  for (const root of ROOTS) {
    const dir = join(REPO, root);
    if (!existsSync(dir)) continue;
    for (const path of files(dir)) {
      const text = readFileSync(path, "utf8");
      if (text.includes(OUTSIDE) || /\/shared\/spec\//.test(text)) offenders.push(path.slice(REPO.length));
    }
  }
  assert.deepEqual(offenders, []);
});

test("Prosody's recorded requests are in the repository and parse", () => {
  const wire = join(REPO, "test/fixtures/prosody-wire/scenarios-wire.jsonl");
  const lines = readFileSync(wire, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "");
  assert.ok(lines.length > 20, `only ${lines.length} recorded requests`);
  for (const line of lines) assert.equal(typeof (JSON.parse(line) as { path: unknown }).path, "string");
});
