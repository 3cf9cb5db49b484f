// doctor: the stores, read-only: each is reachable and at the schema version this program expects
// (an older one is migrated at start; a newer one means an older program is being run on it), and
// Redis answers PING when `[cluster] redis` is configured.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import Database from "better-sqlite3";
import postgres from "postgres";
import { safeUrl } from "../safe-url.ts";
import { finding, type Finding } from "./finding.ts";

export interface VersionedStore {
  /** "chat store" or "account store (authd)". */
  readonly what: string;
  readonly location: { kind: "sqlite"; path: string } | { kind: "postgres"; url: string; schema: string };
  readonly versionTable: string;
  readonly expected: number;
}

function judge(store: VersionedStore, where: string, found: number | null): Finding {
  if (found === null)
    return finding("warn", "storage", `${store.what} ${where}: not created yet (made at first start)`);
  if (found > store.expected)
    return finding(
      "fail",
      "storage",
      `${store.what} ${where}: schema version ${found} is newer than this program's (${store.expected})`,
    );
  if (found < store.expected)
    return finding(
      "warn",
      "storage",
      `${store.what} ${where}: schema version ${found}, migrated to ${store.expected} at start`,
    );
  return finding("ok", "storage", `${store.what} ${where}: reachable, schema version ${found}`);
}

function sqliteVersion(store: VersionedStore, path: string): Finding {
  if (!existsSync(path)) return judge(store, path, null);
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const table = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?")
      .get(store.versionTable);
    if (table === undefined) return judge(store, path, null);
    const row = db.prepare(`SELECT MAX(version) AS v FROM ${store.versionTable}`).get() as {
      v: number | null;
    };
    return judge(store, path, row.v ?? 0);
  } catch (err) {
    return finding("fail", "storage", `${store.what} ${path}: cannot be read: ${(err as Error).message}`);
  } finally {
    db?.close();
  }
}

async function postgresVersion(store: VersionedStore, url: string, schema: string): Promise<Finding> {
  const where = `${safeUrl(url)} (schema ${schema})`;
  const sql = postgres(url, {
    max: 1,
    connect_timeout: 5,
    onnotice: () => {},
    connection: { search_path: schema },
  });
  try {
    const [exists] = await sql`SELECT to_regclass(${`${schema}.${store.versionTable}`}) IS NOT NULL AS ok`;
    if (exists?.["ok"] !== true) return judge(store, where, null);
    const [row] = await sql.unsafe(`SELECT MAX(version) AS v FROM ${store.versionTable}`);
    return judge(store, where, (row?.["v"] as number | null) ?? 0);
  } catch (err) {
    return finding("fail", "storage", `${store.what} ${where}: unreachable: ${(err as Error).message}`);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

export function checkStore(store: VersionedStore): Promise<Finding> | Finding {
  return store.location.kind === "sqlite"
    ? sqliteVersion(store, store.location.path)
    : postgresVersion(store, store.location.url, store.location.schema);
}

/** `sqlite:PATH` or a postgres URL (with an optional `schema` parameter), as authd's `database`. */
export function locationOf(database: string): VersionedStore["location"] {
  if (database.startsWith("sqlite:")) {
    const path = database.slice("sqlite:".length);
    return { kind: "sqlite", path: resolve(path) }; // relative to the working directory, as authd reads it
  }
  const u = new URL(database);
  const schema = u.searchParams.get("schema") ?? "public";
  u.searchParams.delete("schema");
  return { kind: "postgres", url: u.toString(), schema };
}

export async function checkRedis(url: string): Promise<Finding> {
  const { Redis } = await import("ioredis");
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on("error", () => {}); // reported below, once
  const shown = safeUrl(url);
  try {
    await client.connect();
    const pong: string = await client.ping();
    return pong === "PONG"
      ? finding("ok", "redis", `${shown}: answers PING`)
      : finding("fail", "redis", `${shown}: answered PING with ${JSON.stringify(pong)}`);
  } catch (err) {
    return finding("fail", "redis", `${shown}: unreachable: ${(err as Error).message}`);
  } finally {
    client.disconnect();
  }
}
