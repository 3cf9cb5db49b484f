// `xmpp-http-auth start` (what `npm start` runs): the embedded default. authd on loopback with SQLite
// under ./data, and the XMPP server for host "localhost" pointed at it with credentials generated
// for this run, so a newcomer gets a complete system on one machine with nothing else installed.
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import type { CliIo } from "./io.ts";
import { parseCommandArgs } from "./args.ts";
import { reportError } from "./report-error.ts";
import { XhaError } from "../errors.ts";
import { parseServerConfig } from "../config/load.ts";
import { createLogger } from "../log.ts";
import { createXmppServer } from "../server.ts";
import { DEFAULT_DATA_PATH, EMBEDDED_CONFIG_NAME, parseAuthdConfig } from "../authd/config.ts";
import { createAuthd } from "../authd/service.ts";
import { startAdminServer, type AdminServer } from "../admin/admin-server.ts";
import { authdAccounts } from "../admin/accounts.ts";

const HELP = `Usage: xmpp-http-auth start [--data DIR] [--port PORT] [--tls-port PORT] [--http-port PORT] [--admin-port PORT]

Runs the XMPP server and authd together for the host "localhost", on this machine only:
accounts in SQLite under DIR (default ./data), a self-signed certificate, registration open.
With --admin-port, the admin page (sessions, auth API health, accounts) on http://127.0.0.1:PORT/.
For production, run 'serve' and 'authd' with a configuration file (see the README).
`;

function nextSteps(opts: {
  port: number;
  tlsPort: number;
  httpPort: number;
  certPath: string | undefined;
  dataPath: string;
  authdUrl: string;
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
    "  create an account:   npx xmpp-http-auth user add alice@localhost",
    "  or register one from your XMPP client (in-band registration is on for this demo),",
    "  then log in as alice@localhost.",
    opts.certPath === undefined
      ? ""
      : `  The certificate is self-signed (${opts.certPath}): tell your client to trust it.`,
    "Press Ctrl-C to stop.",
    "",
  ].join("\n");
}

export async function run(args: string[], io: CliIo): Promise<number> {
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
    const adminPort = values["admin-port"] === undefined ? undefined : Number(values["admin-port"]);
    if (adminPort !== undefined && !(Number.isInteger(adminPort) && adminPort >= 0 && adminPort <= 65535))
      throw new XhaError("XHA_USAGE", `--admin-port must be a port number (0-65535)`);
    const dataPath = resolve(values.data ?? DEFAULT_DATA_PATH);
    const logger = createLogger({ level: "info", destination: io.stderr });
    // Credentials between the two halves, made for this run and never printed.
    const credentials = `xmpp:${randomBytes(24).toString("base64url")}`;
    const authd = await createAuthd({
      config: parseAuthdConfig({ port: 0, credentials, domains: ["localhost"] }, EMBEDDED_CONFIG_NAME, {
        dataPath,
      }),
      logger: logger.child({ component: "authd" }),
    });
    const config = parseServerConfig(
      {
        interfaces: ["127.0.0.1"],
        c2s_ports: [Number(values.port ?? 5222)],
        c2s_direct_tls_ports: [Number(values["tls-port"] ?? 5223)],
        http_ports: [Number(values["http-port"] ?? 5280)],
        https_ports: [],
        // Loopback only: the WebSocket traffic never leaves this machine, so browser clients may log
        // in over ws:// (the server logs this opt-in loudly).
        consider_websocket_secure: true,
        data_path: dataPath,
        hosts: {
          localhost: {
            authentication: "http",
            http_auth_url: authd.url,
            http_auth_credentials: credentials,
            allow_registration: true,
          },
        },
      },
      EMBEDDED_CONFIG_NAME,
    );
    const server = createXmppServer({ config, logger: logger.child({ component: "xmpp" }) });
    try {
      await server.start();
    } catch (err) {
      await authd.close();
      throw err;
    }
    let admin: AdminServer | undefined;
    if (adminPort !== undefined) {
      try {
        admin = await startAdminServer({
          config: { interfaces: ["127.0.0.1"], port: adminPort, token: undefined },
          server,
          accounts: authdAccounts(authd.accounts),
          logger: logger.child({ component: "admin" }),
        });
      } catch (err) {
        await server.stop();
        await authd.close();
        throw err;
      }
    }
    const port = server.listeners.find((l) => l.kind === "c2s")?.address.port ?? 0;
    const tlsPort = server.listeners.find((l) => l.kind === "c2s_direct_tls")?.address.port ?? 0;
    const httpPort = server.listeners.find((l) => l.kind === "http")?.address.port ?? 0;
    io.stdout.write(
      nextSteps({ port, tlsPort, httpPort, certPath: server.certPath, dataPath, authdUrl: authd.url }),
    );
    if (admin !== undefined) io.stdout.write(`Admin page: ${admin.url}\n`);
    await io.stopSignal;
    io.stdout.write("stopping…\n");
    await admin?.close();
    await server.stop();
    await authd.close();
    return 0;
  } catch (err) {
    return reportError(io, "start", err);
  }
}
