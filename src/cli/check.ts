// `xmpp-http-auth check URL [options]`: the conformance checker for anyone implementing the HTTP auth
// API. Parsing is in checker/options.ts, the probes in checker/; this file only wires them to the
// terminal: progress on a TTY stderr, the table or JSON on stdout, the exit status.
import { parseCheckArgs, CHECK_USAGE, UsageError } from "../checker/options.ts";
import { createRedactor } from "../checker/redact.ts";
import { exitStatus, renderJson, renderTable } from "../checker/report.ts";
import { secretsOf } from "../checker/context.ts";
import { runCheck } from "../checker/run-check.ts";
import type { CheckOptions } from "../checker/types.ts";
import type { CliIo } from "./io.ts";

function isTty(stream: NodeJS.WritableStream): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}

export async function run(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseCheckArgs(args, io.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`xmpp-http-auth check: ${err.message}\n\n${CHECK_USAGE}`);
    return 2;
  }
  if (parsed.help) {
    io.stdout.write(CHECK_USAGE);
    return 0;
  }
  const tty = isTty(io.stderr);
  const base: CheckOptions = parsed.options;
  const options: CheckOptions = tty
    ? { ...base, onProgress: (id) => io.stderr.write(`\r\x1b[Kchecking ${id}…`) }
    : base;
  try {
    const report = await runCheck(options);
    if (tty) io.stderr.write("\r\x1b[K");
    io.stdout.write(parsed.json ? renderJson(report, base) : renderTable(report));
    return exitStatus(report);
  } catch (err) {
    if (tty) io.stderr.write("\r\x1b[K");
    const redact = createRedactor(secretsOf(base));
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(`xmpp-http-auth check: ${redact(message)}\n`);
    return 1;
  }
}
