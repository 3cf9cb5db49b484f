// A private ejabberd (Debian's 23.01) for interoperability tests: its own config, spool, log dir and
// c2s port in a temp dir, a unique Erlang node name and cookie, started with `erl` directly (not the
// system service, not ejabberdctl, which switches to the ejabberd user) and stopped by its pid.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync, chmodSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { freePort } from "./free-port.ts";

export interface Ejabberd {
  readonly port: number;
  readonly dir: string;
  /** The bridge processes' stderr (all of them), read on demand. */
  bridgeLog(): string;
  stop(): Promise<void>;
}

/** Where Debian puts ejabberd's Erlang application, or a reason it cannot be used. */
export function findEjabberd(): { libs: string } | { missing: string } {
  if (!existsSync("/usr/bin/erl")) return { missing: "Erlang (erl) is not installed" };
  for (const libs of ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib"]) {
    if (!existsSync(libs)) continue;
    if (readdirSync(libs).some((d) => /^ejabberd-\d/.test(d))) return { libs };
  }
  return { missing: "ejabberd is not installed (apt-get install -y ejabberd)" };
}

async function waitForPort(port: number, child: ChildProcess, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`ejabberd exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const c = connect(port, "127.0.0.1");
      c.once("connect", () => (c.destroy(), resolve(true)));
      c.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`ejabberd did not listen on ${port} within ${deadlineMs} ms`);
}

export interface EjabberdOptions {
  readonly libs: string;
  readonly dir: string;
  /** The command line ejabberd runs as extauth_program (no spaces: ejabberd splits on them). */
  readonly extauthProgram: string;
  readonly certPem: string;
  readonly poolSize?: number;
}

export async function startEjabberd(o: EjabberdOptions): Promise<Ejabberd> {
  const port = await freePort();
  for (const d of ["spool", "logs"]) mkdirSync(join(o.dir, d), { recursive: true });
  writeFileSync(join(o.dir, "cert.pem"), o.certPem);
  writeFileSync(
    join(o.dir, "ejabberd.yml"),
    [
      'hosts: ["localhost"]',
      "loglevel: info",
      `certfiles: [${JSON.stringify(join(o.dir, "cert.pem"))}]`,
      "listen:",
      `  - port: ${port}`,
      '    ip: "127.0.0.1"',
      "    module: ejabberd_c2s",
      "    starttls: true",
      "auth_method: external",
      `extauth_program: ${JSON.stringify(o.extauthProgram)}`,
      `extauth_pool_size: ${o.poolSize ?? 2}`,
      // Every login reaches the bridge: what is under test is our answer, not ejabberd's cache.
      "auth_use_cache: false",
      "registration_timeout: infinity",
      "access_rules:",
      "  register:",
      "    allow: all",
      "modules:",
      "  mod_register:",
      "    access: register",
      "    ip_access: all",
      "  mod_roster: {}",
      "  mod_disco: {}",
      "",
    ].join("\n"),
  );
  chmodSync(o.dir, 0o755);
  const node = `xha${process.pid}${randomBytes(4).toString("hex")}`;
  const child = spawn(
    "/usr/bin/erl",
    [
      "-sname",
      node,
      "-setcookie",
      randomBytes(16).toString("hex"),
      "-noinput",
      "-mnesia",
      "dir",
      JSON.stringify(join(o.dir, "spool")),
      "-s",
      "ejabberd",
    ],
    {
      cwd: o.dir,
      detached: true,
      stdio: ["ignore", "ignore", "ignore"],
      env: {
        ...process.env,
        HOME: o.dir,
        ERL_LIBS: o.libs,
        EJABBERD_CONFIG_PATH: join(o.dir, "ejabberd.yml"),
        EJABBERD_LOG_PATH: join(o.dir, "logs", "ejabberd.log"),
        ERL_CRASH_DUMP: join(o.dir, "logs", "erl_crash.dump"),
      },
    },
  );
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  // ejabberd runs in a process group of its own (detached), so stopping it also ends what it started
  // (the extauth bridges, erl_child_setup, eimp, inet_gethost) even when the VM has to be killed: one
  // of them left behind kept a test run from finishing once.
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // the group is already gone
    }
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      signalGroup("SIGTERM"); // Erlang shuts down cleanly on SIGTERM; the bridges then read EOF
      const timer = setTimeout(() => signalGroup("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    signalGroup("SIGKILL");
  };
  try {
    await waitForPort(port, child, 60_000);
  } catch (err) {
    await stop();
    const log = join(o.dir, "logs", "ejabberd.log");
    throw new Error(
      `${(err as Error).message}\n${existsSync(log) ? readFileSync(log, "utf8").slice(-2000) : ""}`,
      { cause: err },
    );
  }
  const bridgeLogFile = join(o.dir, "bridge.log");
  return {
    port,
    dir: o.dir,
    bridgeLog: () => (existsSync(bridgeLogFile) ? readFileSync(bridgeLogFile, "utf8") : ""),
    stop,
  };
}
