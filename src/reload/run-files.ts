// Files a running `serve` keeps in its data_path so that `xmpp-http-auth reload` can find it and read
// how its last reload went: the pid file (as Prosody's pidfile) and a small JSON status.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ReloadReport } from "./apply-config.ts";

export const PID_FILE = "xmpp-http-auth.pid";
export const RELOAD_STATUS_FILE = "reload-status.json";

export interface ReloadStatus extends ReloadReport {
  readonly pid: number;
  /** Counts reloads in this process, from 1. */
  readonly generation: number;
  readonly at: string;
}

/** Writes this process's pid; the returned function removes the file if it still names us. */
export function writePidFile(dataPath: string, pid = process.pid): () => void {
  const path = join(dataPath, PID_FILE);
  mkdirSync(dataPath, { recursive: true });
  writeFileSync(path, `${pid}\n`, { mode: 0o644 });
  return () => {
    if (readPid(dataPath) === pid) rmSync(path, { force: true });
  };
}

export function readPid(dataPath: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataPath, PID_FILE), "utf8").trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Replaced whole (write, then rename), so a reader never sees half a file. */
export function writeReloadStatus(dataPath: string, status: ReloadStatus): void {
  const path = join(dataPath, RELOAD_STATUS_FILE);
  // A temporary name per process: the workers of `serve --workers` write at the same moment.
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(status) + "\n", { mode: 0o644 });
  renameSync(tmp, path);
}

export function readReloadStatus(dataPath: string): ReloadStatus | undefined {
  try {
    return JSON.parse(readFileSync(join(dataPath, RELOAD_STATUS_FILE), "utf8")) as ReloadStatus;
  } catch {
    return undefined;
  }
}
