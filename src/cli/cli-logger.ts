// The commands' logger: pretty, coloured, human lines when a person watches (a TTY), pino's JSON
// lines otherwise (a pipe, a file, journald), so log collectors and people each get what they read.
import type { Writable } from "node:stream";
import pinoPretty from "pino-pretty";
import { createLogger, type Logger, type LogOptions } from "../log.ts";

export interface CliLogOptions extends LogOptions {
  /** Human lines instead of JSON; defaults to whether the destination is a terminal. */
  readonly pretty?: boolean;
  /** The part of the program the lines come from, the same field name everywhere: `component`. */
  readonly component?: string;
}

function isTty(stream: NodeJS.WritableStream): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}

export function createCliLogger(options: CliLogOptions = {}): Logger {
  const destination = options.destination ?? process.stdout;
  const base = { ...(options.level === undefined ? {} : { level: options.level }) };
  let logger: Logger;
  if (options.pretty ?? isTty(destination)) {
    const format = pinoPretty.prettyFactory({
      colorize: isTty(destination),
      translateTime: "SYS:HH:MM:ss",
      ignore: "pid,hostname",
    });
    // Formatted line by line, synchronously: no worker thread, nothing lost at exit.
    const pretty = { write: (line: string) => destination.write(format(line)) } as unknown as Writable;
    logger = createLogger({ ...base, destination: pretty });
  } else {
    logger = createLogger({ ...base, destination });
  }
  return options.component === undefined ? logger : logger.child({ component: options.component });
}
