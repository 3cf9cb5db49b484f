// The file `start` keeps in its data directory while it runs (like a pid file): it tells `user` which
// store the running demo uses, and a second `start` on the same directory that one is already running.
// Beside it, the demo's authd credentials, readable by the owner only, for `check`.
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export const INSTANCE_FILE = "xmpp-http-auth.pid";
export const CREDENTIALS_FILE = "authd-credentials";

export interface InstanceInfo {
  readonly pid: number;
  readonly dataPath: string;
  /** The base URL of the demo's authd (`http_auth_url`). */
  readonly authdUrl: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The running `start` whose data directory is `dataPath`, or undefined (none, or a stale file). */
export function readRunningInstance(dataPath: string): InstanceInfo | undefined {
  let info: Partial<InstanceInfo>;
  try {
    info = JSON.parse(readFileSync(join(dataPath, INSTANCE_FILE), "utf8")) as Partial<InstanceInfo>;
  } catch {
    return undefined;
  }
  if (typeof info.pid !== "number" || typeof info.authdUrl !== "string" || !alive(info.pid)) return undefined;
  return { pid: info.pid, dataPath: resolve(dataPath), authdUrl: info.authdUrl };
}

/** Looks for `<dir>/<dataDirName>` of a running `start` in `cwd` and each directory above it. */
export function findRunningInstance(cwd: string, dataDirName: string): InstanceInfo | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const found = readRunningInstance(join(dir, dataDirName));
    if (found !== undefined) return found;
    if (dirname(dir) === dir) return undefined;
  }
}

export function writeInstanceFile(info: InstanceInfo): string {
  const file = join(info.dataPath, INSTANCE_FILE);
  writeFileSync(file, JSON.stringify(info) + "\n");
  return file;
}

export function removeInstanceFile(dataPath: string, pid: number): void {
  // Only our own: a second start that was refused must not remove the first one's file.
  if (readRunningInstance(dataPath)?.pid === pid) rmSync(join(dataPath, INSTANCE_FILE), { force: true });
}

/** Writes `user:secret` for `check`, mode 0600 even when the file already existed. */
export function writeCredentialsFile(dataPath: string, credentials: string): string {
  const file = join(dataPath, CREDENTIALS_FILE);
  if (existsSync(file)) chmodSync(file, 0o600);
  writeFileSync(file, credentials + "\n", { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}
