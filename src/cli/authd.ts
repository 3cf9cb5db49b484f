// `xmpp-http-auth authd [--config FILE]`: runs the reference HTTP auth service until asked to stop.
// Without --config it runs on the embedded defaults (loopback, SQLite under ./data).
import { parseArgs } from "node:util";
import { defaultAuthdConfig, loadAuthdConfig, DEFAULT_DATA_PATH } from "../authd/config.ts";
import { createAuthd } from "../authd/service.ts";
import { isXhaError } from "../errors.ts";
import { createCliLogger } from "./cli-logger.ts";
import type { CliIo } from "./io.ts";

const USAGE = `Usage: xmpp-http-auth authd [--config FILE]

Runs the reference HTTP auth service (Prosody mod_auth_http protocol).
  --config FILE   TOML file whose [authd] table configures the service
                  (default: 127.0.0.1:${defaultAuthdConfig().port}, path /auth, domain localhost, sqlite:${DEFAULT_DATA_PATH}/authd.sqlite)
`;

export async function run(args: string[], io: CliIo): Promise<number> {
  let config: string | undefined;
  try {
    const { values } = parseArgs({
      args,
      options: { config: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
    });
    if (values.help === true) {
      io.stdout.write(USAGE);
      return 0;
    }
    config = values.config;
  } catch (err) {
    io.stderr.write(`authd: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const logger = createCliLogger({ destination: io.stdout, component: "authd" });
  try {
    const cfg =
      config === undefined ? defaultAuthdConfig() : loadAuthdConfig(config, { dataPath: DEFAULT_DATA_PATH });
    const authd = await createAuthd({ config: cfg, logger });
    // The URL only: credentials are never logged.
    logger.info({ address: authd.url }, `authd ready at ${authd.url}`);
    await io.stopSignal;
    logger.info("authd stopping");
    await authd.close();
    return 0;
  } catch (err) {
    io.stderr.write(`authd: ${isXhaError(err) ? `${err.message} [${err.code}]` : String(err)}\n`);
    return 1;
  }
}
