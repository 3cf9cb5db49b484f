// The SASL2 / FAST options: off by default, Prosody-like names and defaults, and FAST without SASL2
// (which could never be offered) refused at start with the key named.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseServerConfig } from "../../src/config/load.ts";
import { isXhaError } from "../../src/errors.ts";

const host = { authentication: "http", http_auth_url: "http://127.0.0.1:5380/auth" };

test("SASL2 and FAST are off by default; tokens live 21 days and rotate in their last day", () => {
  const h = parseServerConfig({ hosts: { "a.example": host } }, "my.toml").hosts.get("a.example");
  assert.equal(h?.c2s_sasl2, false);
  assert.equal(h?.sasl2_fast, false);
  assert.equal(h?.sasl2_fast_token_ttl, 21 * 86400);
  assert.equal(h?.sasl2_fast_token_min_ttl, 86400);
  assert.equal(h?.sasl2_fast_user_exists, true);
});

test("sasl2_fast without c2s_sasl2, and a token lifetime out of range, are refused naming the key", () => {
  const refused = (extra: Record<string, unknown>, message: RegExp) =>
    assert.throws(
      () => parseServerConfig({ hosts: { "a.example": { ...host, ...extra } } }, "my.toml"),
      (err: unknown) => isXhaError(err, "XHA_CONFIG_INVALID") && message.test(err.message),
    );
  refused({ sasl2_fast: true }, /sasl2_fast.*needs c2s_sasl2/);
  refused({ c2s_sasl2: true, sasl2_fast: true, sasl2_fast_token_ttl: 5 }, /sasl2_fast_token_ttl/);
  refused({ c2s_sasl2: "yes" }, /c2s_sasl2/);
});
