// Real parts for authd tests: temp dirs, a PostgreSQL URL with a schema per run, small Argon2
// parameters, a service on port 0 with its log lines captured.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { PG_URL, dropSchema, uniqueSchema } from "../helpers/postgres.ts";
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

/** A schema name unique to this run, dropped when the test ends. */
export function pgSchema(t: {
  after(fn: () => Promise<void>): void;
}): Promise<{ url: string; schema: string }> {
  const schema = uniqueSchema("xha_authd");
  t.after(() => dropSchema(schema));
  return Promise.resolve({ url: PG_URL, schema });
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
