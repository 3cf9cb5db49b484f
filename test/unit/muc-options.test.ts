// The MUC component's options: parsed with defaults, bad values refused naming the full key, and
// every one documented in docs/configuration.md with its default.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseServerConfig } from "../../src/config/load.ts";
import { MUC_OPTIONS } from "../../src/components/muc/options.ts";

const base = { hosts: { "example.com": { http_auth_url: "http://127.0.0.1:1/" } } };
const parse = (table: Record<string, unknown>) =>
  parseServerConfig(
    { ...base, components: { "conference.example.com": { module: "muc", ...table } } },
    "t.toml",
  );

test("muc options: defaults, Prosody's names, values checked", () => {
  const c = parse({
    restrict_room_creation: "admin",
    admins: ["Boss@Example.com"],
    muc_log_by_default: true,
  });
  const o = c.components.get("conference.example.com")?.options as Record<string, unknown>;
  assert.equal(o.restrict_room_creation, "admin");
  assert.deepEqual(o.admins, ["boss@example.com"]);
  assert.equal(o.muc_log_by_default, true);
  assert.equal(o.muc_room_default_history_length, 20);
  assert.throws(
    () => parse({ restrict_room_creation: true }),
    /components\."conference\.example\.com"\.restrict_room_creation must be false, "local" or "admin"/,
  );
  assert.throws(
    () => parse({ admins: ["not a jid"] }),
    /components\."conference\.example\.com"\.admins item 1 must be a bare JID/,
  );
  assert.throws(() => parse({ max_history_messages: -1 }), /\.max_history_messages must be a whole number/);
  assert.throws(() => parse({ muc_room_default_publik: true }), /\.muc_room_default_publik is not an option/);
});

test("docs/configuration.md documents every muc option with its default", () => {
  const doc = readFileSync(new URL("../../docs/configuration.md", import.meta.url), "utf8");
  const section = doc.slice(doc.indexOf('### module = "muc"'));
  for (const [key, spec] of Object.entries(MUC_OPTIONS))
    assert.ok(
      section.includes(`| \`${key}\` | \`${JSON.stringify(spec.default)}\` |`),
      `${key} is not documented with its default`,
    );
});
