// Real Prosody (Debian's 0.12) as the peer, with a configuration of the bench's own
// (./prosody-config.ts): installed with apt when missing, started in the foreground in our run dir,
// stopped with the run. STARTTLS gets an ECDSA P-256 certificate, the key type our server uses.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCommand, startChild } from "../lib/children.ts";
import { freePort, waitForPort } from "../lib/net-util.ts";
import { SkipError, type Target } from "./target.ts";
import { prosodyConfig } from "./prosody-config.ts";

export interface ProsodyOptions {
  /** Our own run dir: config, data, logs. */
  readonly runDir: string;
  /** The fast API; host http.test points at it when mod_auth_http is available. */
  readonly apiUrl: string;
  /** Directory holding mod_auth_http/mod_auth_http.lua, or undefined to use internal.test. */
  readonly modDir: string | undefined;
  readonly starttls: boolean;
  /** More configuration lines, appended (e.g. a MUC Component). */
  readonly extraConfig?: readonly string[];
}

const INTERNAL_USER = { user: "bench", password: "bench" };

/** mod_auth_http is public but not in Debian's prosody-modules; MOD_AUTH_HTTP_DIR points at it. */
export function findModAuthHttp(dir: string): string | undefined {
  return existsSync(join(dir, "mod_auth_http", "mod_auth_http.lua")) ? dir : undefined;
}

/** Installs Debian's prosody when it is missing; its own system service is stopped (not ours). */
async function ensureProsody(): Promise<void> {
  if ((await runCommand("dpkg", ["-s", "prosody"], { timeoutMs: 30_000 })).code === 0) return;
  const install = await runCommand(
    "bash",
    [
      "-c",
      "apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prosody >/dev/null; [ -x /etc/init.d/prosody ] && /etc/init.d/prosody stop >/dev/null 2>&1; dpkg -s prosody >/dev/null",
    ],
    { timeoutMs: 600_000 },
  );
  if (install.code !== 0) throw new SkipError(`Prosody could not be installed: ${lastLine(install.output)}`);
}

async function ecdsaCertificate(dir: string, domain: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${domain}.crt`);
  const key = join(dir, `${domain}.key`);
  const args = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const r = await runCommand(
    "openssl",
    [...args, "-days", "2", "-subj", `/CN=${domain}`, "-keyout", key, "-out", cert],
    { timeoutMs: 60_000 },
  );
  if (r.code !== 0) throw new SkipError(`openssl could not make a certificate: ${lastLine(r.output)}`);
  return { cert, key };
}

export async function startProsody(opts: ProsodyOptions): Promise<Target> {
  await ensureProsody();
  const port = await freePort();
  mkdirSync(join(opts.runDir, "data"), { recursive: true });
  mkdirSync(join(opts.runDir, "certs"), { recursive: true });
  const domain = opts.modDir !== undefined ? "http.test" : "internal.test";
  const tls = opts.starttls ? await ecdsaCertificate(join(opts.runDir, "certs"), domain) : undefined;
  const config = join(opts.runDir, "prosody.cfg.lua");
  writeFileSync(
    config,
    prosodyConfig({
      runDir: opts.runDir,
      port,
      modDir: opts.modDir,
      apiUrl: opts.apiUrl,
      tls,
      extra: opts.extraConfig ?? [],
    }),
  );
  if (opts.modDir === undefined) {
    const reg = await runCommand(
      "prosodyctl",
      ["--config", config, "register", INTERNAL_USER.user, "internal.test", INTERNAL_USER.password],
      { timeoutMs: 30_000 },
    );
    if (reg.code !== 0) throw new Error(`prosodyctl register failed: ${lastLine(reg.output)}`);
  }
  const child = startChild("prosody", "prosody", ["--config", config, "-F"]);
  const up = await waitForPort(port, 20_000, () => child.proc.exitCode === null);
  if (!up) {
    await child.stop();
    throw new SkipError(`Prosody did not start:\n${child.output()}`);
  }
  const label =
    (opts.modDir !== undefined ? "prosody+mod_auth_http" : "prosody internal") +
    (opts.starttls ? " (starttls)" : "");
  const credentials =
    opts.modDir !== undefined ? (w: number) => ({ user: `u${w}`, password: "secret" }) : () => INTERNAL_USER;
  return { label, port, domain, pid: child.pid, credentials, stop: () => child.stop() };
}

function lastLine(text: string): string {
  return text.trim().split("\n").slice(-1)[0] ?? "";
}
