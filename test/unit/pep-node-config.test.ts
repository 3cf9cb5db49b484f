// XEP-0060 §8.2 node configuration as PEP uses it: form fields applied with their ranges, and
// publish-options (§7.1.5) as preconditions on an existing node.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  applyFields,
  DEFAULT_CONFIG,
  itemLimit,
  parseConfig,
  unmetPrecondition,
} from "../../src/modules/pep/node-config.ts";

const f = (o: Record<string, string>) => new Map(Object.entries(o));

test("fields apply with their ranges; unknown fields are ignored; a bad value names its field", () => {
  const r = applyFields(
    DEFAULT_CONFIG,
    f({
      "pubsub#access_model": "open",
      "pubsub#max_items": "max",
      "pubsub#persist_items": "1",
      "pubsub#x": "y",
    }),
    10,
  );
  assert.ok(r.ok);
  assert.equal(r.config.access_model, "open");
  assert.equal(r.config.max_items, "max");
  assert.equal(itemLimit(r.config, 10), 10);
  for (const [k, v] of [
    ["pubsub#access_model", "roster"],
    ["pubsub#max_items", "11"],
    ["pubsub#max_items", "0"],
    ["pubsub#persist_items", "yes"],
    ["pubsub#send_last_published_item", "always"],
  ] as const)
    assert.deepEqual(applyFields(DEFAULT_CONFIG, f({ [k]: v }), 10), { ok: false, field: k });
});

test("publish-options: met when equal (booleans in either spelling), the first differing field otherwise", () => {
  const stored = parseConfig(JSON.stringify({ access_model: "whitelist", max_items: "max" }));
  assert.equal(
    unmetPrecondition(stored, f({ "pubsub#access_model": "whitelist", "pubsub#persist_items": "true" }), 10),
    undefined,
  );
  assert.equal(
    unmetPrecondition(stored, f({ "pubsub#persist_items": "1", "pubsub#max_items": "max" }), 10),
    undefined,
  );
  assert.equal(unmetPrecondition(stored, f({ "pubsub#access_model": "open" }), 10), "pubsub#access_model");
  assert.equal(unmetPrecondition(stored, f({ "pubsub#max_items": "5" }), 10), "pubsub#max_items");
  assert.equal(itemLimit({ ...stored, persist_items: false }, 10), 0);
});
