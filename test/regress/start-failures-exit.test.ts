// `start --port abc` once hung, deaf to Ctrl-C and SIGTERM: authd was started before the server's
// options were checked and the error path never closed it. Every start-up failure of either half
// must stop the other and exit non-zero, promptly, with the reason (and a hint for a busy port).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ENTRY = fileURLToPath(new URL("../../src/cli/entry.ts", import.meta.url));
const TSX = fileURLToPath(new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url));

function start(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", TSX, ENTRY, "start", ...args], {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    // Generous for a loaded machine; a hang is what this guards against.
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`start did not exit: ${stderr}`));
    }, 45_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

void test("start --port abc exits 2 with the reason, having started nothing", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "xha-start-bad-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = await start(["--port", "abc"], dir);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--port: expected a port number 0–65535, not "abc" \[XHA_USAGE\]/);
  assert.equal(existsSync(join(dir, "data")), false, "nothing was created");
});

void test("a busy port stops authd too: exit 1 with EADDRINUSE and a hint", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "xha-start-busy-"));
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    busy.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const port = (busy.address() as AddressInfo).port;
  const r = await start(["--port", String(port), "--tls-port", "0", "--http-port", "0"], dir);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`cannot listen for c2s on 127\\.0\\.0\\.1 port ${port}: EADDRINUSE`));
  assert.match(r.stderr, /another instance running\?/);
  assert.equal(existsSync(join(dir, "data", "xmpp-http-auth.pid")), false, "no pid file left behind");
});
