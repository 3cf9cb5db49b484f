// The `storage` and `sql` options: Prosody's table form and a URL, each error naming the key.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseServerConfig } from "../../src/config/load.ts";

const base = { hosts: { localhost: { http_auth_url: "http://127.0.0.1:1/auth" } } };
const load = (extra: Record<string, unknown>) => parseServerConfig({ ...base, ...extra }, "x.toml").global;
const fails = (extra: Record<string, unknown>, pattern: RegExp) =>
  assert.throws(
    () => load(extra),
    (err: Error & { code?: string }) => err.code === "XHA_CONFIG_INVALID" && pattern.test(err.message),
  );

test("the default is internal storage with no sql connection", () => {
  const g = load({});
  assert.equal(g.storage, "internal");
  assert.equal(g.sql, undefined);
});

test("Prosody's sql table becomes a connection URL; a postgres URL keeps its schema apart", () => {
  const g = load({
    storage: "sql",
    sql: {
      driver: "PostgreSQL",
      database: "xmpp db",
      host: "db.example",
      port: 5433,
      username: "u",
      password: "p@ss",
    },
  });
  assert.deepEqual(g.sql, {
    driver: "postgresql",
    url: "postgres://u:p%40ss@db.example:5433/xmpp%20db",
    schema: undefined,
  });
  const u = load({ storage: "sql", sql: "postgresql://h/db?schema=chat&sslmode=require" });
  assert.deepEqual(u.sql, { driver: "postgresql", url: "postgresql://h/db?sslmode=require", schema: "chat" });
  assert.deepEqual(load({ storage: "sql", sql: { driver: "SQLite3", database: "chat.sqlite" } }).sql, {
    driver: "sqlite",
    path: "chat.sqlite",
  });
});

test("mistakes name the key and never echo a password", () => {
  fails({ storage: "sql" }, /x\.toml: sql is required when storage = "sql"/);
  fails({ storage: "memory" }, /storage must be one of "internal", "sql"/);
  fails({ sql: { driver: "MySQL", database: "d" } }, /sql \.driver must be "PostgreSQL" or "SQLite3"/);
  fails({ sql: { driver: "PostgreSQL" } }, /sql \.database is required/);
  fails({ sql: { driver: "PostgreSQL", database: "d", port: "5432" } }, /sql \.port must be/);
  fails(
    { sql: { driver: "PostgreSQL", database: "d", pasword: "secret" } },
    /sql has an unknown key "pasword"/,
  );
  fails({ sql: "mysql://u:secret@h/d" }, /sql must be a postgres:\/\/ URL/);
  assert.throws(
    () => load({ sql: "mysql://u:secret@h/d" }),
    (err: Error) => !err.message.includes("secret"),
  );
});
