// XEP-0191 matching (XEP-0016 §2.1 forms) and direction, over a real SQLite chat store.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseJid } from "../../src/jid.ts";
import { openSqliteChatStore } from "../../src/storage/sqlite.ts";
import type { ChatStore } from "../../src/storage/store.ts";
import { createBlockScreen, jidCandidates } from "../../src/modules/blocking/screen.ts";

const dir = mkdtempSync(join(tmpdir(), "xha-block-"));
let store: ChatStore;
before(() => {
  store = openSqliteChatStore(join(dir, "xmpp.sqlite"));
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test("a JID matches its full, bare, domain/resource and domain forms, prepared", () => {
  assert.deepEqual(jidCandidates(parseJid("Bob@Example.COM/Phone")), [
    "bob@example.com/Phone",
    "bob@example.com",
    "example.com/Phone",
    "example.com",
  ]);
  assert.deepEqual(jidCandidates(parseJid("bob@example.com")), ["bob@example.com", "example.com"]);
});

test("direction: outbound when the sender blocked the target, inbound when the target blocked the sender", async () => {
  const screen = createBlockScreen({ store });
  const j = parseJid;
  await store.block("alice@x", ["bob@x"]);
  await store.block("carol@x", ["spam.example", "dave@x/laptop"]);
  assert.equal(await screen.direction(j("alice@x/a"), j("bob@x/b")), "outbound");
  assert.equal(await screen.direction(j("bob@x/b"), j("alice@x")), "inbound");
  // A domain entry covers every JID at it; a full JID entry only that resource.
  assert.equal(await screen.direction(j("eve@spam.example/r"), j("carol@x")), "inbound");
  assert.equal(await screen.direction(j("dave@x/laptop"), j("carol@x")), "inbound");
  assert.equal(await screen.direction(j("dave@x/phone"), j("carol@x")), undefined);
  assert.equal(await screen.direction(j("carol@x/c"), j("dave@x/laptop")), "outbound");
  assert.equal(await screen.direction(j("carol@x/c"), j("dave@x/phone")), undefined);
  // Nobody else is affected, and an account never blocks itself.
  assert.equal(await screen.direction(j("bob@x/b"), j("carol@x")), undefined);
  await store.block("alice@x", ["alice@x"]);
  assert.equal(await screen.direction(j("alice@x/a"), j("alice@x/b")), undefined);
});

test("separated: the JIDs a block stands between, either way, for a whole roster at once", async () => {
  const screen = createBlockScreen({ store });
  await store.block("p@x", ["q@x", "other.example"]);
  await store.block("r@x", ["p@x/home"]);
  await store.block("s@x", ["p@x/work"]);
  const roster = ["q@x", "r@x", "s@x", "t@x", "u@other.example", "p@x", "not a jid@"];
  const hidden = await screen.separated(parseJid("p@x/home"), roster);
  assert.deepEqual([...hidden].sort(), ["not a jid@", "q@x", "r@x", "u@other.example"]);
});
