// The XEP-0441 preferences cache (src/modules/mam/prefs-cache.ts): one load per account until
// forgotten, least recently used dropped past the bound, and a load that started before a forget()
// not kept (it may hold the preferences from before the change).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPrefsCache } from "../../src/modules/mam/prefs-cache.ts";
import type { ArchivePrefs } from "../../src/storage/mam.ts";

const never: ArchivePrefs = { default: "never", always: [], never: [] };
const always: ArchivePrefs = { default: "always", always: [], never: [] };

test("loads once per account until forgotten; 'none set' is cached too", async () => {
  const cache = createPrefsCache();
  let loads = 0;
  const load = (p: ArchivePrefs | undefined) => () => (loads++, Promise.resolve(p));
  assert.equal(await cache.get("a", load(undefined)), undefined);
  assert.equal(await cache.get("a", load(never)), undefined);
  assert.equal(loads, 1);
  cache.forget("a");
  assert.equal(await cache.get("a", load(never)), never);
  assert.equal(loads, 2);
});

test("the least recently used account goes past the bound", async () => {
  const cache = createPrefsCache(2);
  await cache.get("a", () => Promise.resolve(always));
  await cache.get("b", () => Promise.resolve(always));
  await cache.get("a", () => Promise.resolve(never)); // a hit: b is now the oldest
  await cache.get("c", () => Promise.resolve(always));
  assert.equal(cache.size, 2);
  assert.equal(await cache.get("a", () => Promise.resolve(never)), always, "a kept");
  assert.equal(await cache.get("b", () => Promise.resolve(never)), never, "b was dropped and reloaded");
});

test("a load racing a forget() is returned but not kept", async () => {
  const cache = createPrefsCache();
  let finish!: (p: ArchivePrefs) => void;
  const racing = cache.get("a", () => new Promise<ArchivePrefs>((r) => (finish = r)));
  cache.forget("a"); // the prefs changed while the old ones were being read
  finish(always);
  assert.equal(await racing, always);
  assert.equal(await cache.get("a", () => Promise.resolve(never)), never, "read again");
});
