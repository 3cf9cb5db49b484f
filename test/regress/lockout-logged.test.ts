// A lockout was invisible in authd's log: the user saw not-authorized as for a wrong password, and
// the operator had nothing to look at. The lockout's start is now a warning naming the account and
// its length (never the password).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createLockout } from "../../src/authd/lockout.ts";
import { createPasswordHasher } from "../../src/authd/password-hasher.ts";
import { createStoreBackend } from "../../src/authd/store-backend.ts";
import { openSqliteStore } from "../../src/authd/store/sqlite.ts";
import { SMALL_ARGON2, captureLogs, tempDir } from "../unit/authd-helpers.ts";

void test("the start of a lockout is logged with the account and its length", async (t) => {
  const store = openSqliteStore(join(await tempDir(t), "authd.sqlite"));
  t.after(() => store.close());
  const logs = captureLogs();
  const backend = createStoreBackend({
    store,
    hasher: await createPasswordHasher(SMALL_ARGON2),
    lockout: createLockout({ maxFailures: 2, baseMs: 60_000 }),
    logger: logs.logger,
  });
  assert.equal(await backend.register("alice", "localhost", "right"), "created");
  assert.equal(await backend.checkPassword("alice", "localhost", "wrong-1"), false);
  assert.doesNotMatch(logs.text(), /locked out/, "one failure is not a lockout");
  assert.equal(await backend.checkPassword("alice", "localhost", "wrong-2"), false);
  assert.equal(await backend.checkPassword("alice", "localhost", "right"), false, "locked");
  const lines = logs
    .text()
    .split("\n")
    .filter((l) => l.includes("locked out"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 1);
  assert.deepEqual(
    [lines[0]?.level, lines[0]?.user, lines[0]?.server, lines[0]?.seconds],
    [40, "alice", "localhost", 60],
  );
  assert.doesNotMatch(logs.text(), /wrong-|right/, "no password in the log");
});
