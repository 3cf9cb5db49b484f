// Reload on request (SIGHUP, `xmpp-http-auth reload`): re-read the configuration file, apply it to
// the running server, log the outcome and record it for the `reload` command. A file that does not
// parse or validate is refused with its reason, and the running configuration stays.
import { loadServerConfig, type ServerConfig } from "../config/load.ts";
import type { Logger } from "../log.ts";
import type { ClusterOptions } from "../cluster/config.ts";
import type { XmppServer } from "../server.ts";
import { refused, type ReloadReport } from "./apply-config.ts";
import { writeReloadStatus } from "./run-files.ts";

export interface ReloaderDeps {
  readonly server: Pick<XmppServer, "reload">;
  readonly file: string;
  readonly logger: Logger;
  /** Where the status file goes (the data_path the server started with); none: not written. */
  readonly statusDir?: string;
  /** The tables of other components the process started with (`[admin]`, `[authd]`): changing them needs a restart. */
  readonly startedTables?: ServerConfig["tables"];
  /**
   * The [cluster] table as the file gave it at start (before `--workers` named the node per worker):
   * a node cannot move to another Redis or name while its sessions are registered, so a change waits
   * for a restart.
   */
  readonly startedCluster?: ClusterOptions | undefined;
  /** The pid the status is stamped with: the pid file's (a `--workers` worker stamps its primary's). */
  readonly statusPid?: number;
  /** Reads the file; loadServerConfig by default. */
  readonly load?: (file: string) => ServerConfig;
}

export interface Reloader {
  reload(): Promise<ReloadReport>;
}

export function createReloader(deps: ReloaderDeps): Reloader {
  const load = deps.load ?? loadServerConfig;
  let generation = 0;
  return {
    async reload() {
      const { logger } = deps;
      logger.info({ file: deps.file }, "reloading the configuration");
      let report: ReloadReport;
      try {
        const next = load(deps.file);
        report = await deps.server.reload(next);
        const started = deps.startedTables;
        if (report.ok && started !== undefined) {
          const names = new Set([...Object.keys(started), ...Object.keys(next.tables)]);
          const tables = [...names]
            .filter((t) => JSON.stringify(started[t]) !== JSON.stringify(next.tables[t]))
            .map((t) => `[${t}]`);
          if (JSON.stringify(deps.startedCluster) !== JSON.stringify(next.cluster)) tables.push("[cluster]");
          if (tables.length > 0)
            report = { ...report, restartRequired: [...report.restartRequired, ...tables] };
        }
      } catch (err) {
        report = refused((err as Error).message);
      }
      if (!report.ok) {
        logger.error({ reason: report.error }, "reload refused: the running configuration stays in force");
      } else {
        const { added, removed, changed } = report;
        logger.info({ added, removed, changed }, "configuration reloaded");
        if (report.restartRequired.length > 0)
          logger.warn(
            { options: report.restartRequired },
            "these options changed but take effect only after a restart; their old values stay in force",
          );
      }
      if (deps.statusDir !== undefined) {
        try {
          writeReloadStatus(deps.statusDir, {
            ...report,
            pid: deps.statusPid ?? process.pid,
            generation: ++generation,
            at: new Date().toISOString(),
          });
        } catch (err) {
          logger.warn({ err: (err as Error).message }, "cannot write the reload status file");
        }
      }
      return report;
    },
  };
}
