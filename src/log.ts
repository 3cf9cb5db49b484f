// Logging through pino. Secrets never reach a log line: callers pass no passwords, SASL payloads or
// check_password URLs, and these redaction paths are a second line of defence for field names.
import { pino, type Logger, type LevelWithSilent } from "pino";

export type { Logger };

export const REDACT_PATHS = [
  "password",
  "pass",
  "*.password",
  "*.pass",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "credentials",
  "*.credentials",
  "payload",
  "*.payload",
  "url",
  "*.url",
];

export interface LogOptions {
  readonly level?: LevelWithSilent;
  /** Where lines go; defaults to stdout. Tests pass a stream to assert on lines. */
  readonly destination?: NodeJS.WritableStream;
  readonly name?: string;
}

export function createLogger(options: LogOptions = {}): Logger {
  const opts = {
    level: options.level ?? "info",
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    base: options.name === undefined ? {} : { name: options.name },
  };
  return options.destination === undefined ? pino(opts) : pino(opts, options.destination);
}

/** A logger that drops everything (library use, tests that do not look at logs). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
