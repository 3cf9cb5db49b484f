// Every process the bench starts is registered here and stopped at the end, on error and on Ctrl-C,
// so a run never leaves a server or an API behind.
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { once } from "node:events";

export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Everything the child wrote on stdout and stderr, the last 64 KiB, for error messages. */
  output(): string;
  /** Resolves with the first stdout line matching `re`, rejects on exit or after `timeoutMs`. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  stop(): Promise<void>;
}

const live = new Set<Child>();
const cleanups = new Set<() => Promise<void>>();

export function startChild(
  name: string,
  cmd: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Child {
  // A process group of its own: stop() then reaches whatever the child spawned too.
  const proc = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], detached: true, ...options });
  if (proc.pid === undefined) throw new Error(`${name}: could not start ${cmd}`);
  const pid = proc.pid;
  let out = "";
  const append = (chunk: Buffer): void => {
    out = (out + chunk.toString("utf8")).slice(-65536);
  };
  proc.stdout?.on("data", append);
  proc.stderr?.on("data", append);
  // Not events.once: it would reject on an "error" event, and nobody may be awaiting it yet.
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  proc.on("error", () => undefined);

  const child: Child = {
    name,
    proc,
    pid,
    output: () => out,
    waitFor(re, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => finish(new Error(`${name}: no ${re} within ${timeoutMs} ms\n${tail(out)}`)),
          timeoutMs,
        );
        const onData = (): void => {
          const m = re.exec(out);
          if (m !== null) finish(undefined, m);
        };
        const onExit = (code: number | null): void =>
          finish(new Error(`${name}: exited (${code}) before ${re}\n${tail(out)}`));
        const finish = (err?: Error, m?: RegExpExecArray): void => {
          clearTimeout(timer);
          proc.stdout?.off("data", onData);
          proc.stderr?.off("data", onData);
          proc.off("exit", onExit);
          if (err !== undefined) reject(err);
          else resolve(m!);
        };
        proc.stdout?.on("data", onData);
        proc.stderr?.on("data", onData);
        proc.once("exit", onExit);
        onData();
      });
    },
    async stop() {
      live.delete(child);
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      signalGroup(pid, "SIGTERM");
      const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
  live.add(child);
  return child;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function tail(text: string): string {
  return text.split("\n").slice(-15).join("\n");
}

/** Registers an extra cleanup (e.g. Prosody's down.sh); returns a function that unregisters it. */
export function onCleanup(fn: () => Promise<void>): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

export async function stopAll(): Promise<void> {
  await Promise.allSettled([...live].map((c) => c.stop()));
  const fns = [...cleanups];
  cleanups.clear();
  await Promise.allSettled(fns.map((fn) => fn()));
}

/** Runs a command to completion; resolves with its exit code and output. Bounded by `timeoutMs`. */
export async function runCommand(
  cmd: string,
  args: readonly string[],
  options: SpawnOptions & { timeoutMs?: number; input?: string } = {},
): Promise<{ code: number; output: string }> {
  const proc = spawn(cmd, args, {
    stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    ...options,
  });
  if (options.input !== undefined) proc.stdin?.end(options.input);
  let out = "";
  proc.stdout?.on("data", (c: Buffer) => (out += c.toString("utf8")));
  proc.stderr?.on("data", (c: Buffer) => (out += c.toString("utf8")));
  const timer = setTimeout(() => proc.kill("SIGKILL"), options.timeoutMs ?? 300_000);
  const [code] = (await once(proc, "close")) as [number | null];
  clearTimeout(timer);
  return { code: code ?? -1, output: out };
}
