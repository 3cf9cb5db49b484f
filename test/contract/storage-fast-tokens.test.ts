// FAST tokens (XEP-0484) in the chat store: the two slots of §6.1, the replay count, revocation and
// the account's deletion, one behaviour suite run against SQLite and a real PostgreSQL.
import { test } from "node:test";
import assert from "node:assert/strict";
import { onBothStores, suiteStore, type OpenStore } from "../helpers/chat-stores.ts";
import { MAX_FAST_TOKENS_PER_ACCOUNT } from "../../src/storage/fast-tokens.ts";
import type { ChatStore } from "../../src/storage/store.ts";

const token = (hash: string, expiresAt = Date.now() + 60_000) => ({
  hash,
  mechanism: "HT-SHA-256-NONE",
  expiresAt,
});
const slots = async (store: ChatStore, account: string, agent: string) =>
  (await store.fastTokens.fastTokens(account, agent)).map((t) => `${t.slot}:${t.hash}:${t.counter}`).sort();

function behaviour(open: OpenStore): void {
  const store = suiteStore(open);

  test("a new token waits in the 'new' slot; using it makes it 'current' and drops the older one", async () => {
    const f = store.fastTokens;
    await f.fastIssue("a@x", "agent", token("one"));
    assert.deepEqual(await slots(store, "a@x", "agent"), ["new:one:0"]);
    assert.equal(await f.fastUse("a@x", "agent", "one", undefined), true);
    assert.deepEqual(await slots(store, "a@x", "agent"), ["current:one:0"]);
    // A rotation: both work until the new one is used (§4.5); then only it does.
    await f.fastIssue("a@x", "agent", token("two"));
    assert.deepEqual(await slots(store, "a@x", "agent"), ["current:one:0", "new:two:0"]);
    assert.equal(await f.fastUse("a@x", "agent", "one", undefined), true);
    assert.equal(await f.fastUse("a@x", "agent", "two", undefined), true);
    assert.deepEqual(await slots(store, "a@x", "agent"), ["current:two:0"]);
    assert.equal(await f.fastUse("a@x", "agent", "one", undefined), false);
    // An unused new token is replaced by the next one (§4.5, last paragraph).
    await f.fastIssue("a@x", "agent", token("three"));
    await f.fastIssue("a@x", "agent", token("four"));
    assert.deepEqual(await slots(store, "a@x", "agent"), ["current:two:0", "new:four:0"]);
    // Tokens are per client.
    assert.deepEqual(await slots(store, "a@x", "other"), []);
  });

  test("a count must grow (§4.4 replay protection)", async () => {
    const f = store.fastTokens;
    await f.fastIssue("c@x", "agent", token("t"));
    assert.equal(await f.fastUse("c@x", "agent", "t", 5), true);
    assert.equal(await f.fastUse("c@x", "agent", "t", 5), false);
    assert.equal(await f.fastUse("c@x", "agent", "t", 4), false);
    assert.equal(await f.fastUse("c@x", "agent", "t", 6), true);
    assert.deepEqual(await slots(store, "c@x", "agent"), ["current:t:6"]);
  });

  test("revoke drops one token; forget and the account's deletion drop all of its tokens", async () => {
    const f = store.fastTokens;
    await f.fastIssue("d@x", "a1", token("k1"));
    await f.fastIssue("d@x", "a2", token("k2"));
    await f.fastIssue("e@x", "a1", token("k3"));
    await f.fastRevoke("d@x", "a1", "k1");
    assert.deepEqual(await slots(store, "d@x", "a1"), []);
    await f.fastForget("d@x");
    assert.deepEqual(await slots(store, "d@x", "a2"), []);
    await store.deleteAccount("e@x");
    assert.deepEqual(await slots(store, "e@x", "a1"), []);
  });

  test("issuing drops the account's expired tokens and keeps at most MAX_FAST_TOKENS_PER_ACCOUNT", async () => {
    const f = store.fastTokens;
    await f.fastIssue("g@x", "old", token("gone", Date.now() - 1));
    await f.fastIssue("g@x", "a0", token("k0"));
    assert.deepEqual(await slots(store, "g@x", "old"), []);
    for (let i = 1; i <= MAX_FAST_TOKENS_PER_ACCOUNT; i++)
      await f.fastIssue("g@x", `a${i}`, token(`k${i}`, Date.now() + 60_000 + i));
    // a0 expired first of all: it went to make room.
    assert.deepEqual(await slots(store, "g@x", "a0"), []);
    assert.deepEqual(await slots(store, "g@x", `a${MAX_FAST_TOKENS_PER_ACCOUNT}`), [
      `new:k${MAX_FAST_TOKENS_PER_ACCOUNT}:0`,
    ]);
  });

  test("expiry is kept to the millisecond", async () => {
    const at = Date.now() + 21 * 86400_000;
    await store.fastTokens.fastIssue("f@x", "agent", token("e", at));
    assert.equal((await store.fastTokens.fastTokens("f@x", "agent"))[0]?.expiresAt, at);
  });
}

onBothStores("FAST tokens", behaviour);
