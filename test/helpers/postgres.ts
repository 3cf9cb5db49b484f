// The PostgreSQL tests use: the server at 127.0.0.1:5432, database `test` (here and in CI), each
// run in a schema of its own that is dropped afterwards, so parallel runs never collide.
import { randomBytes } from "node:crypto";
import postgres from "postgres";

export const PG_URL = process.env.XHA_TEST_POSTGRES_URL ?? "postgres://127.0.0.1:5432/test";

/** Why PostgreSQL cannot be used, or undefined when it answers. */
export async function postgresUnavailable(): Promise<string | undefined> {
  const sql = postgres(PG_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return undefined;
  } catch (err) {
    return `PostgreSQL at ${PG_URL} is unreachable (${(err as Error).message}); set XHA_TEST_POSTGRES_URL or start one`;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

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
