// Which account store a `user` command works on, said out loud. --config FILE and --data DIR name one
// explicitly; without them, the data directory of a running `start` found from here (this directory
// or one above it), else ./data when it already holds a store. A store is only ever created by `add`
// on an explicit choice: a typo'd directory must not silently become an empty, unused store.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { DEFAULT_DATA_PATH, defaultAuthdConfig, loadAuthdConfig, type AuthdConfig } from "../authd/config.ts";
import { XhaError } from "../errors.ts";
import { findRunningInstance } from "./instance-file.ts";

export interface ChosenStore {
  readonly config: AuthdConfig;
  /** One line for stderr: the store and why it was chosen (never a database password). */
  readonly description: string;
}

/** The database URL without a password, for messages. */
export function describeDatabase(url: string): string {
  if (url.startsWith("sqlite:")) return `sqlite:${resolve(url.slice("sqlite:".length))}`;
  try {
    const u = new URL(url);
    u.password = "";
    return u.toString();
  } catch {
    return "postgres";
  }
}

function sqlitePath(config: AuthdConfig): string | undefined {
  return config.database.startsWith("sqlite:") ? resolve(config.database.slice("sqlite:".length)) : undefined;
}

export function chooseStore(opts: {
  readonly config?: string;
  readonly data?: string;
  readonly action: string;
  readonly cwd: string;
}): ChosenStore {
  if (opts.config !== undefined && opts.data !== undefined)
    throw new XhaError("XHA_USAGE", "give --config or --data, not both");
  let config: AuthdConfig;
  let why: string;
  if (opts.config !== undefined) {
    config = loadAuthdConfig(opts.config, { dataPath: resolve(opts.cwd, DEFAULT_DATA_PATH) });
    why = `from ${opts.config}`;
  } else if (opts.data !== undefined) {
    config = defaultAuthdConfig(resolve(opts.cwd, opts.data));
    why = "from --data";
  } else {
    const running = findRunningInstance(opts.cwd, DEFAULT_DATA_PATH);
    const dataPath = running?.dataPath ?? resolve(opts.cwd, DEFAULT_DATA_PATH);
    config = defaultAuthdConfig(dataPath);
    why = running === undefined ? "in this directory" : `of the running start, pid ${running.pid}`;
    const file = sqlitePath(config) ?? "";
    if (running === undefined && !existsSync(file)) {
      throw new XhaError(
        "XHA_STORE",
        `no account store here (${file} does not exist) and no running start found from ${opts.cwd}; ` +
          "run this where you ran start, or name the store with --data DIR or --config FILE",
      );
    }
  }
  const file = sqlitePath(config);
  if (file !== undefined && !existsSync(file) && opts.action !== "add") {
    throw new XhaError("XHA_STORE", `no account store at ${file} (only 'user add' creates one)`);
  }
  const creating = file !== undefined && !existsSync(file) ? ", created now" : "";
  return { config, description: `store: ${describeDatabase(config.database)} (${why}${creating})` };
}
