// `admins` (Prosody's name) and `csi_queue_size`: validated at start, a bad value names the key.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseServerConfig } from "../../src/config/load.ts";
import { isXhaError } from "../../src/errors.ts";

const hosts = { localhost: { http_auth_url: "http://127.0.0.1:5380/auth" } };

function rejects(doc: Record<string, unknown>, message: RegExp): void {
  assert.throws(
    () => parseServerConfig({ hosts, ...doc }, "my.toml"),
    (err: unknown) => isXhaError(err, "XHA_CONFIG_INVALID") && message.test(err.message),
  );
}

test("admins: bare account JIDs, prepared and deduplicated; default none", () => {
  assert.deepEqual(parseServerConfig({ hosts }, "my.toml").global.admins, []);
  const c = parseServerConfig(
    { hosts, admins: ["Alice@Example.com", "alice@example.com", "bob@x"] },
    "my.toml",
  );
  assert.deepEqual(c.global.admins, ["alice@example.com", "bob@x"]);
  rejects({ admins: "alice@example.com" }, /admins/);
  rejects({ admins: ["example.com"] }, /admins.*item 1/);
  rejects({ admins: ["alice@example.com/phone"] }, /admins/);
  rejects({ admins: ["@example.com"] }, /admins/);
  rejects({ admins: [42] }, /admins/);
});

test("csi_queue_size: a whole number from 1 to 10000, default 256", () => {
  assert.equal(parseServerConfig({ hosts }, "my.toml").global.csi_queue_size, 256);
  rejects({ csi_queue_size: 0 }, /csi_queue_size/);
  rejects({ csi_queue_size: 1.5 }, /csi_queue_size/);
});
