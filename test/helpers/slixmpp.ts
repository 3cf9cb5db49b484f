// Drives Debian's python3-slixmpp, a client we did not write, through the scripts in
// test/fixtures/slixmpp/: each takes `mode jid password port ca [extra…]` and prints one JSON line.
// Skipped where slixmpp is not installed; CI installs it (.ci/run), so there a missing one fails.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const PYTHON = "/usr/bin/python3"; // Debian's, which sees Debian's python3-slixmpp
const CA = fileURLToPath(new URL("../fixtures/tls/ca.crt", import.meta.url));

function slixmppMissing(): string | false {
  const probe = spawnSync(PYTHON, ["-c", "import slixmpp"], { stdio: "ignore" });
  if (probe.status === 0) return false;
  const reason = "python3-slixmpp is not installed (apt-get install python3-slixmpp)";
  if (process.env.CI === "true") throw new Error(`CI must run the slixmpp tests: ${reason}`);
  return reason;
}

/** `false` when slixmpp can run; otherwise why its tests are skipped (for `{ skip }`). */
export const slixmppSkip: string | false = slixmppMissing();

/** Runs a fixture script against our server on `port` (STARTTLS, the test CA) and parses its last line. */
export function runSlixmpp(
  script:
    "client.py" | "account-data.py" | "adhoc.py" | "pep.py" | "mam.py" | "muc.py" | "stream-management.py",
  mode: string,
  jid: string,
  password: string,
  port: number,
  ...extra: string[]
): Promise<Record<string, unknown>> {
  const path = fileURLToPath(new URL(`../fixtures/slixmpp/${script}`, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [path, mode, jid, password, String(port), CA, ...extra], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code) => {
      try {
        resolve(JSON.parse(out.trim().split("\n").pop() ?? "") as Record<string, unknown>);
      } catch {
        reject(new Error(`slixmpp exited ${code}: ${out}${err}`));
      }
    });
  });
}
