// The PostgreSQL tests use the server at 127.0.0.1:5432, database `test` (here and in CI), each run in
// a schema of its own that is dropped afterwards, so parallel runs never collide. On a machine with
// no PostgreSQL they are skipped with the reason; under CI (CI=true) a missing server is a failure.
import { randomBytes } from "node:crypto";
import postgres from "postgres";

const CANDIDATES = process.env.XHA_TEST_POSTGRES_URL
  ? [process.env.XHA_TEST_POSTGRES_URL]
  : [
      "postgres://127.0.0.1:5432/test",
      "postgres://root@127.0.0.1:5432/test",
      "postgres://postgres@127.0.0.1:5432/test",
    ];

async function reachable(url: string): Promise<string | undefined> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

async function probe(): Promise<{ url: string; skip: string | false }> {
  const errors: string[] = [];
  for (const url of CANDIDATES) {
    const err = await reachable(url);
    if (err === undefined) return { url, skip: false };
    errors.push(err);
  }
  const reason = `PostgreSQL at ${CANDIDATES[0]} is unreachable (${errors[0]}); start one or set XHA_TEST_POSTGRES_URL`;
  if (process.env.CI === "true") throw new Error(`CI must run the PostgreSQL tests: ${reason}`);
  return { url: CANDIDATES[0] ?? "", skip: reason };
}

const found = await probe();

/** The URL of the test database (without a schema). */
export const PG_URL = found.url;

/** `false` when PostgreSQL answers; otherwise why its tests are skipped (for `{ skip }`). */
export const pgSkip: string | false = found.skip;

export function uniqueSchema(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const sql = postgres(PG_URL, { max: 1, onnotice: () => {} });
  try {
    await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`;
  } finally {
    await sql.end({ timeout: 1 });
  }
}
