// The `xmpp-http-auth` command: dispatches to one module per sub-command, loaded on demand so that
// `--help` stays fast and a command's dependencies load only when it runs.
import type { CliIo, Command } from "./io.ts";

interface CommandEntry {
  readonly summary: string;
  readonly load: () => Promise<Command>;
}

const COMMANDS: Record<string, CommandEntry> = {
  start: {
    summary: "run the server and authd together on embedded defaults (SQLite under ./data)",
    load: async () => (await import("./start.ts")).run,
  },
  serve: {
    summary: "run the XMPP server: serve --config FILE",
    load: async () => (await import("./serve.ts")).run,
  },
  authd: {
    summary: "run the reference HTTP auth service: authd [--config FILE]",
    load: async () => (await import("./authd.ts")).run,
  },
  user: {
    summary: "manage accounts in authd's store: user add|passwd|del|list|exists JID [--config FILE]",
    load: async () => (await import("./user.ts")).run,
  },
  extauth: {
    summary:
      "answer ejabberd's extauth (or Prosody's mod_auth_external) from the HTTP API: extauth --config FILE",
    load: async () => (await import("./extauth.ts")).run,
  },
  reload: {
    summary: "make a running server re-read its configuration and certificates: reload --config FILE",
    load: async () => (await import("./reload.ts")).run,
  },
  check: {
    summary: "check an HTTP auth API for conformance: check URL [options]",
    load: async () => (await import("./check.ts")).run,
  },
  doctor: {
    summary:
      "check a configuration, its certificates, DNS, ports, auth APIs and stores: doctor --config FILE",
    load: async () => (await import("./doctor.ts")).run,
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: xmpp-http-auth <command> [options]\n\nCommands:\n${lines.join("\n")}\n\nRun 'xmpp-http-auth <command> --help' for a command's options.\n`;
}

function processIo(): CliIo {
  const stopSignal = new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    stopSignal,
    onReload: (listener) => void process.on("SIGHUP", listener),
  };
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-v") {
    const { VERSION } = await import("../version.ts");
    io.stdout.write(VERSION + "\n");
    return 0;
  }
  const entry = COMMANDS[name];
  if (entry === undefined) {
    io.stderr.write(`xmpp-http-auth: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
  return command(rest, io);
}
