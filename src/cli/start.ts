// `xmpp-http-auth start` (what `npm start` runs): the embedded default. authd on loopback with SQLite
// under ./data, and the XMPP server for host "localhost" pointed at it with credentials generated
// for this run, so a newcomer gets a complete system on one machine with nothing else installed.
// Every start-up failure of either half stops the other, so the process always exits.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { resolve } from "node:path";
import type { CliIo } from "./io.ts";
import { parseCommandArgs } from "./args.ts";
import { reportError } from "./report-error.ts";
import { cliInvocation } from "./invocation.ts";
import {
  readRunningInstance,
  removeInstanceFile,
  writeCredentialsFile,
  writeInstanceFile,
} from "./instance-file.ts";
import { parseServerConfig } from "../config/load.ts";
import { createCliLogger } from "./cli-logger.ts";
import { createXmppServer } from "../server.ts";
import { DEFAULT_DATA_PATH, EMBEDDED_CONFIG_NAME, parseAuthdConfig } from "../authd/config.ts";
import { createAuthd } from "../authd/service.ts";
import { XhaError } from "../errors.ts";
import { startAdminServer } from "../admin/admin-server.ts";
import { authdAccounts } from "../admin/accounts.ts";

const HELP = `Usage: xmpp-http-auth start [--data DIR] [--port PORT] [--tls-port PORT] [--http-port PORT] [--admin-port PORT]

Runs the XMPP server and authd together for the host "localhost", on this machine only:
accounts in SQLite under DIR (default ./data), a self-signed certificate, registration open.
With --admin-port, the admin page (sessions, auth API health, accounts) on http://127.0.0.1:PORT/.
For production, run 'serve' and 'authd' with a configuration file (see the README).
`;

/** A port option: an integer 0–65535 (0 picks a free port), checked before anything starts. */
function portOption(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(n <= 65_535))
    throw new XhaError("XHA_USAGE", `${flag}: expected a port number 0–65535, not "${value}"`);
  return n;
}

/** 127.0.0.1, and ::1 where the machine has it: clients resolve `localhost` to ::1 first. */
function loopbackInterfaces(): string[] {
  const v6 = Object.values(networkInterfaces()).some((list) => list?.some((a) => a.address === "::1"));
  return v6 ? ["127.0.0.1", "::1"] : ["127.0.0.1"];
}

/** Whether an authd answers at this base URL (its /healthz), within a second. */
async function answers(authdUrl: string): Promise<boolean> {
  try {
    await fetch(new URL("/healthz", authdUrl), { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

/** Quotes a path for a POSIX shell when it needs it. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function nextSteps(opts: {
  port: number;
  tlsPort: number;
  httpPort: number;
  certPath: string | undefined;
  dataPath: string;
  dataOption: string;
  authdUrl: string;
  credentialsFile: string;
  cli: string;
}): string {
  return [
    "",
    "xmpp-http-auth is running for the host 'localhost' (this machine only).",
    `  XMPP (STARTTLS)   localhost:${opts.port}`,
    `  XMPP (direct TLS) localhost:${opts.tlsPort}`,
    `  WebSocket         ws://localhost:${opts.httpPort}/xmpp-websocket  (for browser clients)`,
    `  auth API (authd)  ${opts.authdUrl}  (accounts in ${opts.dataPath})`,
    "",
    "Next:",
    `  create an account:   ${opts.cli} user add alice@localhost${opts.dataOption}`,
    "  or register one from your XMPP client (in-band registration is on for this demo),",
    "  then log in as alice@localhost.",
    `  check the auth API:  XMPP_HTTP_AUTH_CREDENTIALS="$(cat ${shellQuote(opts.credentialsFile)})" ${opts.cli} check ${opts.authdUrl} --server localhost`,
    opts.certPath === undefined
      ? ""
      : `  The certificate is self-signed (${opts.certPath}): tell your client to trust it (see the README).`,
    "Press Ctrl-C to stop.",
    "",
  ].join("\n");
}

export async function run(args: string[], io: CliIo): Promise<number> {
  // What has started, stopped in reverse order however run() ends.
  const started: (() => Promise<void> | void)[] = [];
  try {
    const { values } = parseCommandArgs(args, {
      data: { type: "string" },
      port: { type: "string" },
      "tls-port": { type: "string" },
      "http-port": { type: "string" },
      "admin-port": { type: "string" },
      help: { type: "boolean", short: "h" },
    });
    if (values.help === true) {
      io.stdout.write(HELP);
      return 0;
    }
    const ports = {
      c2s: portOption(values.port, "--port", 5222),
      tls: portOption(values["tls-port"], "--tls-port", 5223),
      http: portOption(values["http-port"], "--http-port", 5280),
    };
    const adminPort =
      values["admin-port"] === undefined ? undefined : portOption(values["admin-port"], "--admin-port", 0);
    const dataPath = resolve(values.data ?? DEFAULT_DATA_PATH);
    const running = readRunningInstance(dataPath);
    // A live pid alone may be a reused one after a crash: the running start's authd must answer too.
    if (running !== undefined && (await answers(running.authdUrl))) {
      throw new XhaError(
        "XHA_LISTEN",
        `another start (pid ${running.pid}) is running on ${dataPath}; stop it first, or use --data for another directory`,
      );
    }
    // Credentials between the two halves, made for this run; only the 0600 file holds them.
    const credentials = `xmpp:${randomBytes(24).toString("base64url")}`;
    const serverDoc = (authdUrl: string) => ({
      interfaces: loopbackInterfaces(),
      c2s_ports: [ports.c2s],
      c2s_direct_tls_ports: [ports.tls],
      http_ports: [ports.http],
      https_ports: [],
      // Loopback only: the WebSocket traffic never leaves this machine, so browser clients may log
      // in over ws:// (the server logs this opt-in loudly).
      consider_websocket_secure: true,
      data_path: dataPath,
      hosts: {
        localhost: {
          authentication: "http",
          http_auth_url: authdUrl,
          http_auth_credentials: credentials,
          allow_registration: true,
        },
      },
    });
    // Validated before anything starts, so a bad option leaves nothing running.
    parseServerConfig(serverDoc("http://127.0.0.1/auth"), EMBEDDED_CONFIG_NAME);
    const logger = createCliLogger({ level: "info", destination: io.stderr });
    mkdirSync(dataPath, { recursive: true });
    const authd = await createAuthd({
      config: parseAuthdConfig({ port: 0, credentials, domains: ["localhost"] }, EMBEDDED_CONFIG_NAME, {
        dataPath,
      }),
      logger: logger.child({ component: "authd" }),
    });
    started.push(() => authd.close());
    const config = parseServerConfig(serverDoc(authd.url), EMBEDDED_CONFIG_NAME);
    const server = createXmppServer({ config, logger: logger.child({ component: "xmpp" }) });
    await server.start(); // on failure it has closed what it opened
    started.push(() => server.stop());
    const admin =
      adminPort === undefined
        ? undefined
        : await startAdminServer({
            config: { interfaces: ["127.0.0.1"], port: adminPort, token: undefined },
            server,
            accounts: authdAccounts(authd.accounts),
            logger: logger.child({ component: "admin" }),
          });
    if (admin !== undefined) started.push(() => admin.close());
    const credentialsFile = writeCredentialsFile(dataPath, credentials);
    writeInstanceFile({ pid: process.pid, dataPath, authdUrl: authd.url });
    started.push(() => removeInstanceFile(dataPath, process.pid));

    const port = (kind: string) => server.listeners.find((l) => l.kind === kind)?.address.port ?? 0;
    io.stdout.write(
      nextSteps({
        port: port("c2s"),
        tlsPort: port("c2s_direct_tls"),
        httpPort: port("http"),
        certPath: server.certPath,
        dataPath,
        dataOption: values.data === undefined ? "" : ` --data ${shellQuote(dataPath)}`,
        authdUrl: authd.url,
        credentialsFile,
        cli: cliInvocation(process.argv[1], process.cwd()),
      }),
    );
    if (admin !== undefined) io.stdout.write(`Admin page: ${admin.url}\n`);
    await io.stopSignal;
    io.stdout.write("stopping…\n");
    return 0;
  } catch (err) {
    return reportError(io, "start", err);
  } finally {
    for (const stop of started.reverse()) {
      try {
        await stop();
      } catch (err) {
        io.stderr.write(`xmpp-http-auth start: while stopping: ${(err as Error).message}\n`);
      }
    }
  }
}
