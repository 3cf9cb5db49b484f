// A TOML syntax error once said only "not valid TOML: invalid value", leaving the operator to hunt
// through the file. It now names the line and column.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadServerConfig } from "../../src/config/load.ts";

void test("a TOML syntax error names the file, line and column", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "xha-toml-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "config.toml");
  writeFileSync(file, 'interfaces = ["*"]\n\n[hosts."example.com"]\nhttp_auth_url = https://x\n');
  assert.throws(
    () => loadServerConfig(file),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, "XHA_CONFIG_UNREADABLE");
      assert.match(err.message, new RegExp(`^${file}: not valid TOML at line 4, column \\d+: \\S`));
      return true;
    },
  );
});
