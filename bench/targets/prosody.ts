// Real Prosody (Debian's 0.12) as the peer, through ../shared/peer/prosody/up.sh. Plain TCP runs
// the peer as up.sh configures it; STARTTLS runs a copy of that config in our own run dir with the
// tls module enabled, a self-signed certificate and encryption required.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { onCleanup, runCommand, startChild } from "../lib/children.ts";
import { freePort, waitForPort } from "../lib/net-util.ts";
import { SkipError, type Target } from "./target.ts";

export interface ProsodyOptions {
  readonly peerDir: string;
  /** Our own run dir: config, data, logs. */
  readonly runDir: string;
  /** The fast API; host http.test points at it when mod_auth_http is available. */
  readonly apiUrl: string;
  /** Directory holding mod_auth_http/mod_auth_http.lua, or undefined to use internal.test. */
  readonly modDir: string | undefined;
  readonly starttls: boolean;
}

const INTERNAL_USER = { user: "bench", password: "bench" };

export function findModAuthHttp(dir: string): string | undefined {
  return existsSync(join(dir, "mod_auth_http", "mod_auth_http.lua")) ? dir : undefined;
}

export async function startProsody(opts: ProsodyOptions): Promise<Target> {
  const upSh = join(opts.peerDir, "prosody", "up.sh");
  const downSh = join(opts.peerDir, "prosody", "down.sh");
  if (!existsSync(upSh)) throw new SkipError(`Prosody peer scripts not found at ${opts.peerDir}`);
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PEER_RUN: opts.runDir,
    C2S_PORT: String(port),
    API_URL: opts.apiUrl,
  };
  if (opts.modDir !== undefined) env.MOD_AUTH_HTTP_DIR = opts.modDir;
  else delete env.MOD_AUTH_HTTP_DIR;

  // up.sh installs Prosody when needed (apt), writes the config and starts it.
  const up = await runCommand("bash", [upSh], { env, timeoutMs: 600_000 });
  const down = async (): Promise<void> =>
    void (await runCommand("bash", [downSh], { env, timeoutMs: 30_000 }));
  if (up.code !== 0) {
    await down();
    throw new SkipError(`Prosody could not start: ${lastLine(up.output)}`);
  }
  const unregister = onCleanup(down);
  const config = join(opts.runDir, "prosody.cfg.lua");
  const domain = opts.modDir !== undefined ? "http.test" : "internal.test";
  if (opts.modDir === undefined) {
    const reg = await runCommand(
      "prosodyctl",
      ["--config", config, "register", INTERNAL_USER.user, "internal.test", INTERNAL_USER.password],
      { timeoutMs: 30_000 },
    );
    if (reg.code !== 0) throw new Error(`prosodyctl register failed: ${lastLine(reg.output)}`);
  }
  const label = opts.modDir !== undefined ? "prosody+mod_auth_http" : "prosody internal";
  const credentials =
    opts.modDir !== undefined ? (w: number) => ({ user: `u${w}`, password: "secret" }) : () => INTERNAL_USER;

  if (!opts.starttls) {
    const pid = Number(readFileSync(join(opts.runDir, "prosody.proc.pid"), "utf8").trim());
    return {
      label,
      port,
      domain,
      pid,
      credentials,
      stop: async () => {
        unregister();
        await down();
      },
    };
  }

  // STARTTLS: stop the plain peer and run a TLS-enabled copy of its config ourselves.
  unregister();
  await down();
  const certDir = join(opts.runDir, "certs");
  const cert = await runCommand(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      `/CN=${domain}`,
      "-keyout",
      join(certDir, `${domain}.key`),
      "-out",
      join(certDir, `${domain}.crt`),
    ],
    { timeoutMs: 60_000 },
  );
  if (cert.code !== 0) throw new SkipError(`openssl could not make a certificate: ${lastLine(cert.output)}`);
  const tlsConfig = join(opts.runDir, "prosody-tls.cfg.lua");
  const base = readFileSync(config, "utf8")
    .replace(/modules_disabled = \{[^}]*\}/, 'modules_disabled = { "s2s" }')
    .replace(/c2s_require_encryption = false/, "c2s_require_encryption = true")
    .replace(/modules_enabled = \{/, 'modules_enabled = { "tls";');
  const ssl = `ssl = { certificate = "${join(certDir, `${domain}.crt`)}"; key = "${join(certDir, `${domain}.key`)}" }\n`;
  // A global option: it must come before the first VirtualHost line.
  const at = base.indexOf("\nVirtualHost ");
  const body = at < 0 ? base + ssl : base.slice(0, at + 1) + ssl + base.slice(at + 1);
  writeFileSync(tlsConfig, body);
  const child = startChild("prosody-tls", "prosody", ["--config", tlsConfig, "-F"]);
  const up2 = await waitForPort(port, 20_000, () => child.proc.exitCode === null);
  if (!up2) {
    await child.stop();
    throw new Error(`Prosody with TLS did not start:\n${child.output()}`);
  }
  return {
    label: `${label} (starttls)`,
    port,
    domain,
    pid: child.pid,
    credentials,
    stop: () => child.stop(),
  };
}

function lastLine(text: string): string {
  return text.trim().split("\n").slice(-1)[0] ?? "";
}
