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
import type { Overview } from "../admin/overview.ts";
import cluster from "node:cluster";
import { superviseWorkers, workerIndex } from "./workers.ts";
import { createWorkerGather } from "./worker-gather.ts";
import { workerViews } from "./worker-views.ts";

const HELP = `Usage: xmpp-http-auth serve --config FILE [--workers N]

Runs the XMPP server with the options in FILE (TOML; see the README's configuration reference).
SIGHUP (or 'xmpp-http-auth reload --config FILE') re-reads FILE and the certificates without a
restart; the pid is kept in data_path/xmpp-http-auth.pid.

  --workers N   run N server processes sharing the ports, one per core (default 1); each is a
                cluster node, so FILE needs a [cluster] table (Redis) and PostgreSQL storage
`;

export async function run(args: string[], io: CliIo): Promise<number> {
  try {
    const { values } = parseCommandArgs(args, {
      config: { type: "string", short: "c" },
      help: { type: "boolean", short: "h" },
      workers: { type: "string", short: "w" },
    });
    if (values.help === true) {
      io.stdout.write(HELP);
      return 0;
    }
    if (values.config === undefined) {
      io.stderr.write(`xmpp-http-auth serve: --config FILE is required\n\n${HELP}`);
      return 2;
    }
    const workers = values.workers === undefined ? 1 : Number(values.workers);
    if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
      io.stderr.write(`xmpp-http-auth serve: --workers must be a whole number from 1 to 256\n`);
      return 2;
    }
    let config = loadServerConfig(values.config);
    if (workers > 1 && config.cluster === undefined) {
      io.stderr.write(
        `xmpp-http-auth serve: --workers ${workers} needs a [cluster] table in ${values.config}: the workers are cluster nodes sharing sessions through Redis (see docs/cluster.md)\n`,
      );
      return 2;
    }
    const adminConfig = parseAdminConfig(config.tables.admin, values.config);
    const logger = createCliLogger({
      level: config.global.log_level,
      destination: io.stdout,
      component: "xmpp",
    });
    if (workers > 1 && cluster.isPrimary) {
      // The primary holds the pid file; a reload (SIGHUP) is passed on to every worker.
      const removePrimaryPidFile = writePidFile(config.global.data_path);
      io.onReload?.(() => {
        for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGHUP");
      });
      const base = config.cluster?.node;
      await superviseWorkers(workers, io.stopSignal, logger, (i) => `${base}-w${i}`);
      removePrimaryPidFile();
      return 0;
    }
    const startedCluster = config.cluster;
    const index = workerIndex();
    if (index !== undefined && config.cluster !== undefined)
      config = { ...config, cluster: { ...config.cluster, node: `${config.cluster.node}-w${index}` } };
    // A worker answers /metrics and the admin overview for every worker (worker-views.ts).
    const views =
      index === undefined || config.cluster === undefined
        ? undefined
        : workerViews(createWorkerGather({ index, node: config.cluster.node }));
    const server = createXmppServer({
      config,
      logger,
      ...(views === undefined ? {} : { gatherMetrics: (local: string) => views.metrics(local) }),
    });
    await server.start();
    views?.serve(server);
    const admin =
      adminConfig === undefined
        ? undefined
        : await startServeAdmin({
            admin: adminConfig,
            config,
            server,
            ...(views === undefined ? {} : { gatherOverview: (local: Overview) => views.overview(local) }),
            logger: logger.child({ component: "admin" }),
          }).catch(async (err: unknown) => {
            await server.stop();
            throw err;
          });
    const dataPath = config.global.data_path;
    // Under --workers the primary holds the pid file and passes SIGHUP on; its workers stamp their
    // reload status with its pid, which is what `xmpp-http-auth reload` waits for.
    const removePidFile = cluster.isWorker ? () => {} : writePidFile(dataPath);
    const reloader = createReloader({
      server,
      file: values.config,
      logger,
      statusDir: dataPath,
      statusPid: cluster.isWorker ? process.ppid : process.pid,
      startedTables: config.tables,
      startedCluster,
    });
    io.onReload?.(() => void reloader.reload());
    await io.stopSignal;
    logger.info("stopping");
    await admin?.close();
    await server.stop();
    views?.close();
    removePidFile();
    // A worker's channel to the primary would keep it alive.
    cluster.worker?.disconnect();
    return 0;
  } catch (err) {
    return reportError(io, "serve", err);
  }
}
