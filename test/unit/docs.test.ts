// The docs list the same error codes and options as the code (undici/fastify keep theirs in step so).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ERROR_CODES } from "../../src/errors.ts";
import { GLOBAL_OPTIONS, HOST_OPTIONS } from "../../src/config/schema.ts";
import { AUTHD_KEYS, defaultAuthdConfig } from "../../src/authd/config.ts";
import { ADMIN_DEFAULTS, ADMIN_KEYS } from "../../src/admin/config.ts";

const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), "utf8");

test("docs/errors.md lists exactly the error codes of src/errors.ts", () => {
  const documented = new Set([...read("docs/errors.md").matchAll(/`(XHA_[A-Z_]+)`/g)].map((m) => m[1]));
  assert.deepEqual([...documented].sort(), Object.keys(ERROR_CODES).sort());
});

test("docs/configuration.md documents every server option with its default", () => {
  const doc = read("docs/configuration.md");
  for (const [key, spec] of Object.entries({ ...GLOBAL_OPTIONS, ...HOST_OPTIONS })) {
    assert.match(doc, new RegExp("\\| `" + key + "` \\|"), `option ${key} is not documented`);
    if (spec.default !== undefined) {
      const shown = JSON.stringify(spec.default).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      assert.match(
        doc,
        new RegExp("\\| `" + key + "` \\|[^\\n]*`" + shown + "`"),
        `option ${key}: default ${shown} not shown`,
      );
    }
  }
});

test("docs/configuration.md documents every [authd] key, with the port authd really uses", () => {
  const doc = read("docs/configuration.md");
  const section = doc.slice(doc.indexOf("## authd"));
  for (const key of AUTHD_KEYS)
    assert.match(section, new RegExp("\\| `" + key + "` \\|"), `authd.${key} is not documented`);
  assert.match(section, new RegExp("\\| `port` \\| `" + defaultAuthdConfig().port + "` \\|"));
});

test("docs/configuration.md documents every [admin] key with its default", () => {
  const doc = read("docs/configuration.md");
  const section = doc.slice(doc.indexOf("## Admin page"));
  for (const key of ADMIN_KEYS) {
    const shown =
      ADMIN_DEFAULTS[key] === undefined ? "(none)" : "`" + JSON.stringify(ADMIN_DEFAULTS[key]) + "`";
    assert.ok(section.includes(`| \`${key}\` | ${shown} |`), `admin.${key} is not documented with ${shown}`);
  }
});
