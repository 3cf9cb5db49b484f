// `xmpp-http-auth extauth --config FILE`: the HTTP auth provider behind ejabberd's extauth_program
// (and Prosody's mod_auth_external with external_auth_protocol = "ejabberd"). The protocol owns
// stdout, so logs go to stderr. EOF on stdin (the peer closed the pipe) answers what is pending and exits 0.
import type { CliIo } from "./io.ts";
import { parseCommandArgs } from "./args.ts";
import { reportError } from "./report-error.ts";
import { loadServerConfig } from "../config/load.ts";
import { createLogger } from "../log.ts";
import { XhaError } from "../errors.ts";
import { createProvider } from "../auth/registry.ts";
import { createHttpMetrics } from "../auth/http/metrics.ts";
import { createCacheMetrics } from "../auth/cache/cache-metrics.ts";
import type { AuthProvider } from "../auth/provider.ts";
import { createExtauthBridge } from "../extauth/bridge.ts";

const HELP = `Usage: xmpp-http-auth extauth --config FILE

Speaks ejabberd's external authentication protocol on stdin/stdout and answers each request
through the HTTP auth API of its host (from [hosts."…"] in FILE). For ejabberd:
  auth_method: external
  extauth_program: "/usr/bin/xmpp-http-auth extauth --config /etc/xmpp-http-auth/config.toml"
  extauth_pool_size: 8     # processes; each one runs API calls concurrently
For Prosody: authentication = "external", external_auth_protocol = "ejabberd",
  external_auth_command = "/usr/bin/xmpp-http-auth extauth --config …".
Logs go to stderr. See docs/extauth.md.
`;

/** ejabberd gives up on an extauth answer after 30 s; every request is answered well before. */
export const EXTAUTH_DEADLINE_MS = 25_000;
/** The largest http_auth_timeout allowed here, so that even two calls in a row fit the deadline. */
export const EXTAUTH_MAX_HTTP_TIMEOUT = 12;

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
      io.stderr.write(`xmpp-http-auth extauth: --config FILE is required\n\n${HELP}`);
      return 2;
    }
    const config = loadServerConfig(values.config);
    for (const [host, options] of config.hosts) {
      if (options.http_auth_timeout > EXTAUTH_MAX_HTTP_TIMEOUT)
        throw new XhaError(
          "XHA_CONFIG_INVALID",
          `${config.file}: hosts."${host}".http_auth_timeout must be at most ${EXTAUTH_MAX_HTTP_TIMEOUT} for extauth (ejabberd waits 30 s for an answer)`,
        );
    }
    const logger = createLogger({ level: config.global.log_level, destination: io.stderr }).child({
      component: "extauth",
    });
    const httpMetrics = createHttpMetrics();
    const cacheMetrics = createCacheMetrics();
    const providers = new Map<string, AuthProvider>();
    for (const [host, options] of config.hosts) {
      providers.set(
        host,
        createProvider({ host, options, logger: logger.child({ host }), httpMetrics, cacheMetrics }),
      );
    }
    const bridge = createExtauthBridge({
      providerFor: (host) => providers.get(host),
      write: (answer) => void io.stdout.write(answer),
      logger,
      deadlineMs: EXTAUTH_DEADLINE_MS,
    });
    logger.info({ hosts: [...providers.keys()], pid: process.pid }, "extauth: ready");
    await new Promise<void>((resolve) => {
      io.stdin.on("data", (chunk: Buffer | string) =>
        bridge.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk),
      );
      io.stdin.once("end", resolve);
      io.stdin.once("error", (err: Error) => {
        logger.warn({ err: err.message }, "extauth: stdin failed");
        resolve();
      });
      void io.stopSignal.then(resolve);
      // The peer closed its end of our stdout (EPIPE): nobody can read an answer any more.
      let reported = false;
      io.stdout.on("error", (err: Error) => {
        if (!reported) logger.warn({ err: err.message }, "extauth: stdout failed; stopping");
        reported = true;
        resolve();
      });
    });
    // Asked to stop with stdin still open: stop reading, or the open pipe keeps the process alive.
    (io.stdin as { pause?: () => void }).pause?.();
    (io.stdin as { destroy?: () => void }).destroy?.();
    await bridge.drain();
    if (bridge.pendingBytes > 0)
      logger.warn({ bytes: bridge.pendingBytes }, "extauth: input ended inside a frame; it was not answered");
    await Promise.all([...providers.values()].map((p) => p.close()));
    logger.info("extauth: input closed, exiting");
    return 0;
  } catch (err) {
    return reportError(io, "extauth", err);
  }
}
