// One behaviour suite for both account stores, on a real SQLite file and a real PostgreSQL schema.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import Database from "better-sqlite3";
import postgres from "postgres";
import { isXhaError } from "../../src/errors.ts";
import { openStore } from "../../src/authd/store/open.ts";
import { SCHEMA_VERSION, type AccountStore } from "../../src/authd/store/store.ts";
import { pgSchema, tempDir } from "./authd-helpers.ts";
import { pgSkip } from "../helpers/postgres.ts";

interface Kind {
  readonly name: string;
  /** A store URL for this test; opening it twice gives the same data. */
  url(t: TestContext): Promise<string>;
  /** The rows of schema_version, read behind the store's back. */
  versions(url: string): Promise<number[]>;
}

const KINDS: Kind[] = [
  {
    name: "sqlite",
    url: async (t) => `sqlite:${join(await tempDir(t), "sub", "authd.sqlite")}`,
    versions: (url) => {
      const db = new Database(url.slice("sqlite:".length), { readonly: true });
      try {
        return Promise.resolve(
          db.prepare("SELECT version FROM schema_version ORDER BY version").pluck().all() as number[],
        );
      } finally {
        db.close();
      }
    },
  },
  {
    name: "postgres",
    url: async (t) => {
      const { url, schema } = await pgSchema(t);
      return `${url}?schema=${schema}`;
    },
    versions: async (url) => {
      const u = new URL(url);
      const schema = u.searchParams.get("schema")!;
      u.searchParams.delete("schema");
      const sql = postgres(u.toString(), { max: 1, onnotice: () => {} });
      try {
        const rows = await sql<
          { version: number }[]
        >`SELECT version FROM ${sql(schema)}.schema_version ORDER BY version`;
        return rows.map((r) => r.version);
      } finally {
        await sql.end({ timeout: 1 });
      }
    },
  },
];

async function open(t: TestContext, url: string): Promise<AccountStore> {
  const store = await openStore(url);
  t.after(() => store.close());
  return store;
}

for (const kind of KINDS) {
  void describe(`${kind.name} store`, { skip: kind.name === "postgres" ? pgSkip : false }, () => {
    void it("creates, refuses a duplicate, reads, updates, deletes", async (t) => {
      const store = await open(t, await kind.url(t));
      assert.equal(await store.exists("example.com", "alice"), false);
      assert.equal(await store.getHash("example.com", "alice"), undefined);
      assert.equal(await store.create("example.com", "alice", "h1"), true);
      assert.equal(await store.create("example.com", "alice", "h2"), false, "conflict");
      assert.equal(await store.getHash("example.com", "alice"), "h1", "a conflict changes nothing");
      assert.equal(await store.exists("example.com", "alice"), true);
      assert.equal(await store.updateHash("example.com", "alice", "h3"), true);
      assert.equal(await store.getHash("example.com", "alice"), "h3");
      assert.equal(await store.updateHash("example.com", "nobody", "h"), false);
      assert.equal(await store.delete("example.com", "alice"), true);
      assert.equal(await store.delete("example.com", "alice"), false);
      assert.equal(await store.exists("example.com", "alice"), false);
    });

    void it("keys accounts by (server, username), byte for byte", async (t) => {
      const store = await open(t, await kind.url(t));
      assert.equal(await store.create("a.test", "bob", "ha"), true);
      assert.equal(await store.create("b.test", "bob", "hb"), true);
      assert.equal(await store.getHash("a.test", "bob"), "ha");
      assert.equal(await store.getHash("b.test", "bob"), "hb");
      assert.equal(await store.exists("a.test", "Bob"), false);
      assert.equal(await store.exists("a.test", "bo_"), false, "no LIKE semantics");
      assert.equal(await store.delete("a.test", "bob"), true);
      assert.equal(await store.exists("b.test", "bob"), true);
    });

    void it("updates conditionally when an expected hash is given", async (t) => {
      const store = await open(t, await kind.url(t));
      await store.create("example.com", "carol", "old");
      assert.equal(await store.updateHash("example.com", "carol", "rehashed", "stale"), false);
      assert.equal(await store.getHash("example.com", "carol"), "old");
      assert.equal(await store.updateHash("example.com", "carol", "rehashed", "old"), true);
      assert.equal(await store.getHash("example.com", "carol"), "rehashed");
    });

    void it("keeps SCRAM credentials beside the hash (schema version 3)", async (t) => {
      const store = await open(t, await kind.url(t));
      assert.equal(await store.getScram!("example.com", "erin"), undefined, "no account");
      await store.create("example.com", "erin", "h1");
      assert.equal(await store.getScram!("example.com", "erin"), null, "an account without any yet");
      assert.equal(
        await store.addScram!("example.com", "erin", "S1", "stale"),
        false,
        "hash changed meanwhile",
      );
      assert.equal(await store.getScram!("example.com", "erin"), null);
      assert.equal(await store.addScram!("example.com", "erin", "S1", "h1"), true);
      assert.equal(await store.getScram!("example.com", "erin"), "S1");
      assert.equal(await store.updateHash("example.com", "erin", "h1b", "h1"), true, "a rehash…");
      assert.equal(await store.getScram!("example.com", "erin"), "S1", "…keeps them");
      assert.equal(await store.setPassword!("example.com", "erin", "h2", "S2"), true);
      assert.equal(await store.getHash("example.com", "erin"), "h2");
      assert.equal(await store.getScram!("example.com", "erin"), "S2");
      assert.equal(await store.setPassword!("example.com", "nobody", "h", "S"), false);
      assert.equal(await store.create("example.com", "frank", "h", "S3"), true);
      assert.equal(await store.getScram!("example.com", "frank"), "S3");
    });

    void it("lists one server's usernames in byte order", async (t) => {
      const store = await open(t, await kind.url(t));
      for (const u of ["zoë", "bob", "alice", "Zed", "o'brien"]) await store.create("example.com", u, "h");
      await store.create("other.test", "mallory", "h");
      assert.deepEqual(await store.list("example.com"), ["Zed", "alice", "bob", "o'brien", "zoë"]);
      assert.deepEqual(await store.list("none.test"), []);
    });

    void it("migrates at open, idempotently: reopening keeps data and the schema version", async (t) => {
      const url = await kind.url(t);
      const first = await openStore(url);
      await first.create("example.com", "dave", "h");
      await first.ping();
      await first.close();
      const second = await open(t, url);
      assert.equal(await second.getHash("example.com", "dave"), "h");
      const third = await open(t, url);
      assert.equal(await third.exists("example.com", "dave"), true);
      assert.deepEqual(
        await kind.versions(url),
        Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
      );
    });
  });
}

void it("a version-2 SQLite file migrates to 3, its accounts kept without SCRAM credentials", async (t) => {
  const path = join(await tempDir(t), "v2.sqlite");
  const db = new Database(path);
  db.exec(`CREATE TABLE schema_version (version INTEGER NOT NULL);
    INSERT INTO schema_version VALUES (1), (2);
    CREATE TABLE accounts (server TEXT NOT NULL, username TEXT NOT NULL, hash TEXT NOT NULL,
      created_at TEXT NOT NULL DEFAULT '', updated_at TEXT NOT NULL DEFAULT '',
      PRIMARY KEY (server, username)) WITHOUT ROWID;
    CREATE TABLE login_failures (server TEXT NOT NULL, username TEXT NOT NULL, failures INTEGER NOT NULL,
      lockouts INTEGER NOT NULL, last_failure INTEGER NOT NULL, locked_until INTEGER NOT NULL,
      PRIMARY KEY (server, username)) WITHOUT ROWID;
    INSERT INTO accounts (server, username, hash) VALUES ('example.com', 'old', 'h');`);
  db.close();
  const store = await open(t, `sqlite:${path}`);
  assert.equal(await store.getHash("example.com", "old"), "h");
  assert.equal(await store.getScram!("example.com", "old"), null);
  assert.deepEqual(await KINDS[0]!.versions(`sqlite:${path}`), [1, 2, 3]);
});

void it("a store that cannot be opened is XHA_STORE", async (t) => {
  // A directory that cannot exist: its parent is a file.
  const dir = await tempDir(t);
  await writeFile(join(dir, "file"), "");
  await assert.rejects(openStore(`sqlite:${join(dir, "file", "authd.sqlite")}`), (err) =>
    isXhaError(err, "XHA_STORE"),
  );
  await assert.rejects(openStore("mysql://x"), (err) => isXhaError(err, "XHA_STORE"));
  await assert.rejects(openStore("postgres://127.0.0.1:1/none"), (err) => isXhaError(err, "XHA_STORE"));
});
