// `xmpp-http-auth reload --config FILE`: asks the server running with FILE to re-read it (SIGHUP to
// the pid in its data_path, or --pid), then waits for the server's own verdict and prints it.
// Exit codes: 0 reloaded, 1 refused or no answer, 2 usage or no running server.
import { loadServerConfig } from "../config/load.ts";
import { XhaError } from "../errors.ts";
import { readPid, readReloadStatus, PID_FILE, type ReloadStatus } from "../reload/run-files.ts";
import { parseCommandArgs } from "./args.ts";
import type { CliIo } from "./io.ts";
import { reportError } from "./report-error.ts";

const HELP = `Usage: xmpp-http-auth reload --config FILE [--pid PID] [--timeout SECONDS]

Makes the server started with 'serve --config FILE' re-read FILE and its certificates without
dropping anyone: new certificates serve new connections, hosts are added or removed, auth API
settings and limits change. FILE is checked here first; the server refuses an invalid one and
keeps running on the old configuration. Listening ports, interfaces and storage need a restart.

  --config FILE      the server's configuration (its data_path holds the pid file ${PID_FILE})
  --pid PID          signal this process instead of the one in the pid file
  --timeout SECONDS  how long to wait for the server's answer (default 10)
`;

function summary(s: ReloadStatus): string {
  if (!s.ok) return `reload refused; the server keeps its running configuration: ${s.error ?? "unknown"}\n`;
  const parts = [
    s.added.length > 0 ? `hosts added: ${s.added.join(", ")}` : "",
    s.removed.length > 0 ? `hosts removed: ${s.removed.join(", ")}` : "",
    s.changed.length > 0 ? `hosts changed: ${s.changed.join(", ")}` : "",
    s.restartRequired.length > 0
      ? `needs a restart to change (old value kept): ${s.restartRequired.join(", ")}`
      : "",
  ].filter(Boolean);
  return `reloaded${parts.length > 0 ? "\n  " + parts.join("\n  ") : ""}\n`;
}

export async function run(args: string[], io: CliIo): Promise<number> {
  try {
    const { values } = parseCommandArgs(args, {
      config: { type: "string", short: "c" },
      pid: { type: "string" },
      timeout: { type: "string" },
      help: { type: "boolean", short: "h" },
    });
    if (values.help === true) {
      io.stdout.write(HELP);
      return 0;
    }
    if (values.config === undefined) {
      io.stderr.write(`xmpp-http-auth reload: --config FILE is required\n\n${HELP}`);
      return 2;
    }
    const timeoutS = Number(values.timeout ?? 10);
    if (!(timeoutS > 0)) throw new XhaError("XHA_USAGE", `--timeout must be a positive number of seconds`);
    // Fails here, with the key named, before the server is bothered.
    const config = loadServerConfig(values.config);
    const dataPath = config.global.data_path;
    const pid = values.pid === undefined ? readPid(dataPath) : Number(values.pid);
    if (pid === undefined || !Number.isSafeInteger(pid) || pid <= 0)
      throw new XhaError(
        "XHA_USAGE",
        `no running server found: ${dataPath}/${PID_FILE} is missing (is 'serve --config ${values.config}' running from this directory? or pass --pid)`,
      );
    const before = JSON.stringify(readReloadStatus(dataPath) ?? null);
    try {
      process.kill(pid, "SIGHUP");
    } catch (err) {
      throw new XhaError(
        "XHA_USAGE",
        `cannot signal process ${pid}: ${(err as NodeJS.ErrnoException).code ?? String(err)} (a stale pid file?)`,
      );
    }
    const deadline = Date.now() + timeoutS * 1000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      const status = readReloadStatus(dataPath);
      if (status === undefined || status.pid !== pid || JSON.stringify(status) === before) continue;
      io.stdout.write(summary(status));
      return status.ok ? 0 : 1;
    }
    io.stderr.write(
      `xmpp-http-auth reload: sent SIGHUP to ${pid}, but no answer in ${dataPath} within ${timeoutS} s; see the server's log\n`,
    );
    return 1;
  } catch (err) {
    return reportError(io, "reload", err);
  }
}
