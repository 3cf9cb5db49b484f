// `xmpp-http-auth serve --config FILE`: the XMPP server alone, pointed at any HTTP auth API.
import type { CliIo } from "./io.ts";
import { parseCommandArgs } from "./args.ts";
import { loadServerConfig } from "../config/load.ts";
import { createCliLogger } from "./cli-logger.ts";
import { createXmppServer } from "../server.ts";
import { reportError } from "./report-error.ts";
import { createReloader } from "../reload/reloader.ts";
import { writePidFile } from "../reload/run-files.ts";
import { parseAdminConfig } from "../admin/config.ts";
import { startServeAdmin } from "../admin/serve-admin.ts";

const HELP = `Usage: xmpp-http-auth serve --config FILE

Runs the XMPP server with the options in FILE (TOML; see the README's configuration reference).
SIGHUP (or 'xmpp-http-auth reload --config FILE') re-reads FILE and the certificates without a
restart; the pid is kept in data_path/xmpp-http-auth.pid.
`;

export async function run(args: string[], io: CliIo): Promise<number> {
  try {
    const { values } = parseCommandArgs(args, {
      config: { type: "string", short: "c" },
      help: { type: "boolean", short: "h" },
    });
    if (values.help === true) {
      io.stdout.write(HELP);
      return 0;
    }
    if (values.config === undefined) {
      io.stderr.write(`xmpp-http-auth serve: --config FILE is required\n\n${HELP}`);
      return 2;
    }
    const config = loadServerConfig(values.config);
    const adminConfig = parseAdminConfig(config.tables.admin, values.config);
    const logger = createCliLogger({
      level: config.global.log_level,
      destination: io.stdout,
      component: "xmpp",
    });
    const server = createXmppServer({ config, logger });
    await server.start();
    const admin =
      adminConfig === undefined
        ? undefined
        : await startServeAdmin({
            admin: adminConfig,
            config,
            server,
            logger: logger.child({ component: "admin" }),
          }).catch(async (err: unknown) => {
            await server.stop();
            throw err;
          });
    const dataPath = config.global.data_path;
    const removePidFile = writePidFile(dataPath);
    const reloader = createReloader({
      server,
      file: values.config,
      logger,
      statusDir: dataPath,
      startedTables: config.tables,
    });
    io.onReload?.(() => void reloader.reload());
    await io.stopSignal;
    logger.info("stopping");
    await admin?.close();
    await server.stop();
    removePidFile();
    return 0;
  } catch (err) {
    return reportError(io, "serve", err);
  }
}
