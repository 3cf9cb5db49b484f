// One behaviour suite of the chat store, run against SQLite (a temp file) and a real PostgreSQL (a
// schema of its own): the contract tests of each feature's tables share this set-up.
import { describe, before, after } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteChatStore } from "../../src/storage/sqlite.ts";
import { openPostgresChatStore } from "../../src/storage/postgres.ts";
import type { ChatStore } from "../../src/storage/store.ts";
import { PG_URL, dropSchema, pgSkip, uniqueSchema } from "./postgres.ts";

export type OpenStore = () => Promise<ChatStore>;

/** Runs `behaviour` in a "SQLite <what>" and a "PostgreSQL <what>" suite, each with a fresh store. */
export function onBothStores(what: string, behaviour: (open: OpenStore) => void): void {
  describe(`SQLite ${what}`, () => {
    const dir = mkdtempSync(join(tmpdir(), "xha-store-"));
    after(() => rmSync(dir, { recursive: true, force: true }));
    behaviour(() => Promise.resolve(openSqliteChatStore(join(dir, "xmpp.sqlite"))));
  });
  describe(`PostgreSQL ${what}`, { skip: pgSkip }, () => {
    const schema = uniqueSchema("xha_store");
    after(() => dropSchema(schema));
    behaviour(() => openPostgresChatStore(PG_URL, { schema }));
  });
}

/**
 * The store a suite's tests use: opened before them and closed after them. Returned at once (the
 * suite's tests call it later), standing in for the store that `before` opens.
 */
export function suiteStore(open: OpenStore): ChatStore {
  let store: ChatStore | undefined;
  before(async () => {
    store = await open();
  });
  after(async () => {
    await store?.close();
  });
  return new Proxy({} as ChatStore, {
    get(_, key) {
      if (store === undefined) throw new Error("the store is used before the suite opened it");
      const value: unknown = Reflect.get(store, key);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(store) : value;
    },
  });
}

/** The storage options of a server under test, and what removes that storage afterwards. */
export type ServerSuite = (storage: () => Record<string, unknown>, cleanup?: () => Promise<void>) => void;

/**
 * Runs an end-to-end `suite` against a server on SQLite (its data_path) and one on PostgreSQL (a
 * schema of its own, dropped afterwards): "<what> on SQLite", "<what> on PostgreSQL".
 */
export function onEachStorage(what: string, suite: ServerSuite, skip: string | false = false): void {
  describe(`${what} on SQLite`, { skip }, () => suite(() => ({})));
  describe(`${what} on PostgreSQL`, { skip: skip !== false ? skip : pgSkip }, () => {
    const schema = uniqueSchema("xha_e2e");
    suite(
      () => ({ storage: "sql", sql: `${PG_URL}?schema=${schema}` }),
      () => dropSchema(schema),
    );
  });
}
