// Turns an error into one line for the operator and an exit status: known errors by their message
// (they name the key, file or port), anything else with its stack because it is a bug.
import { isXhaError } from "../errors.ts";
import type { CliIo } from "./io.ts";

export function reportError(io: CliIo, command: string, err: unknown): number {
  if (isXhaError(err)) {
    io.stderr.write(`xmpp-http-auth ${command}: ${err.message} [${err.code}]\n`);
    return err.code === "XHA_USAGE" ? 2 : 1;
  }
  io.stderr.write(
    `xmpp-http-auth ${command}: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  return 70;
}
