// Real parts for authd tests: temp dirs, a PostgreSQL URL with a schema per run, small Argon2
// parameters, a service on port 0 with its log lines captured.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import postgres from "postgres";
import { parseAuthdConfig, type AuthdConfig } from "../../src/authd/config.ts";
import { createAuthd, type Authd } from "../../src/authd/service.ts";
import type { PasswordHasher } from "../../src/authd/password-hasher.ts";
import { createLogger, type Logger } from "../../src/log.ts";

export const SMALL_ARGON2 = { memoryKib: 1024, iterations: 1, parallelism: 1 } as const;

export async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "xha-authd-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A logger writing into a string the test can search. */
export function captureLogs(): { logger: Logger; text: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
  return { logger: createLogger({ level: "debug", destination: stream }), text: () => text };
}

/** The test server's base URL (trust auth; user root or postgres), overridable with XHA_TEST_PG. */
export async function pgBaseUrl(): Promise<string> {
  const candidates = process.env["XHA_TEST_PG"]
    ? [process.env["XHA_TEST_PG"]]
    : ["postgres://root@127.0.0.1:5432/test", "postgres://postgres@127.0.0.1:5432/test"];
  for (const url of candidates) {
    const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
    try {
      await sql`SELECT 1`;
      return url;
    } catch {
      // try the next user
    } finally {
      await sql.end({ timeout: 1 });
    }
  }
  throw new Error(`no PostgreSQL at ${candidates.join(" or ")}`);
}

/** A schema name unique to this run, dropped when the test ends. */
export async function pgSchema(t: {
  after(fn: () => Promise<void>): void;
}): Promise<{ url: string; schema: string }> {
  const url = await pgBaseUrl();
  const schema = `xha_authd_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  t.after(async () => {
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`;
    await sql.end({ timeout: 1 });
  });
  return { url, schema };
}

export interface TestAuthd {
  readonly authd: Authd;
  readonly config: AuthdConfig;
  readonly logs: () => string;
}

/** authd on 127.0.0.1:0 over a fresh SQLite file, small Argon2 parameters, logs captured. */
export async function startTestAuthd(
  t: { after(fn: () => Promise<void>): void },
  table: Record<string, unknown> = {},
  hasher?: PasswordHasher,
): Promise<TestAuthd> {
  const dir = await tempDir(t);
  const config = parseAuthdConfig(
    {
      port: 0,
      domains: ["example.com"],
      argon2_memory_kib: SMALL_ARGON2.memoryKib,
      argon2_iterations: SMALL_ARGON2.iterations,
      database: `sqlite:${join(dir, "authd.sqlite")}`,
      ...table,
    },
    "test.toml",
    { dataPath: dir },
  );
  const { logger, text } = captureLogs();
  const authd = await createAuthd({ config, logger, ...(hasher === undefined ? {} : { hasher }) });
  t.after(() => authd.close());
  return { authd, config, logs: text };
}

export function basic(credentials: string): string {
  return "Basic " + Buffer.from(credentials, "utf8").toString("base64");
}
