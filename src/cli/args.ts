// A small strict argument parser on node:util's parseArgs: unknown options are usage errors.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { XhaError } from "../errors.ts";

export function parseCommandArgs<T extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: T,
  allowPositionals = false,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: boolean; strict: true }>> {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw new XhaError("XHA_USAGE", (err as Error).message);
  }
}
