// `serve` as an operator runs it, in its own process: it writes its pid file, `xmpp-http-auth reload`
// (another process) finds it there and prints the verdict, a plain SIGHUP with a broken file is
// refused in the log while the server keeps serving, and a stop removes the pid file.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";

const ENTRY = fileURLToPath(new URL("../../src/cli/entry.ts", import.meta.url));
const TSX = fileURLToPath(new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url));

let dir: string;
let api: TestAuthApi;
let serve: ChildProcess;
let output = "";
let port = 0;

const config = (extra = "") =>
  `interfaces = ["127.0.0.1"]\nc2s_ports = [0]\nc2s_direct_tls_ports = []\nhttp_ports = []\nhttps_ports = []\n` +
  `data_path = "data"\ncertificate = ${JSON.stringify(TEST_CERT)}\nkey = ${JSON.stringify(TEST_KEY)}\n${extra}` +
  `[hosts.localhost]\nhttp_auth_url = "${api.url}"\n`;

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", TSX, ENTRY, ...args], { cwd: dir, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function waitForOutput(pattern: RegExp, what: string, from = 0): Promise<RegExpMatchArray> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const m = output.slice(from).match(pattern);
    if (m !== null) return m;
    if (Date.now() > deadline) throw new Error(`no ${what} in the server's output:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  api = await startAuthApi({});
  dir = mkdtempSync(join(tmpdir(), "xha-serve-reload-"));
  writeFileSync(join(dir, "config.toml"), config());
  serve = spawn(process.execPath, ["--import", TSX, ENTRY, "serve", "--config", "config.toml"], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  serve.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  serve.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const m = await waitForOutput(/"kind":"c2s","address":"127\.0\.0\.1","port":(\d+)/, "c2s listener");
  port = Number(m[1]);
});

after(async () => {
  if (serve.exitCode === null) {
    serve.kill("SIGTERM");
    await new Promise((r) => serve.once("exit", r));
  }
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

async function servesExampleNet(): Promise<boolean> {
  const c = await RawClient.connect(port);
  c.open("example.net");
  const got = await c.waitFor(/<host-unknown|<\/stream:features>/);
  c.destroy();
  return got === "</stream:features>";
}

test("reload finds serve by its pid file; a broken file sent by SIGHUP is refused; stop removes the pid file", async () => {
  const pidFile = join(dir, "data", "xmpp-http-auth.pid");
  await waitForOutput(/listening/, "listening");
  assert.equal(Number(readFileSync(pidFile, "utf8")), serve.pid);
  assert.equal(await servesExampleNet(), false);

  // A new host, and an [admin] table, which only a restart can start.
  writeFileSync(
    join(dir, "config.toml"),
    config() + `[hosts."example.net"]\nhttp_auth_url = "${api.url}"\n[admin]\nport = 0\n`,
  );
  const ok = await cli(["reload", "--config", "config.toml"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(
    ok.stdout,
    /hosts added: example\.net\n {2}needs a restart to change \(old value kept\): \[admin\]/,
  );
  assert.equal(await servesExampleNet(), true);

  // A plain SIGHUP, as from systemd's ExecReload, with a file whose certificate is gone.
  const mark = output.length;
  writeFileSync(join(dir, "config.toml"), config().replace(TEST_KEY, join(dir, "missing.key")));
  serve.kill("SIGHUP");
  await waitForOutput(/missing\.key[^\n]*reload refused/, "the refusal", mark);
  assert.equal(serve.exitCode, null, "the server still runs");
  assert.equal(await servesExampleNet(), true, "the old configuration stays");
  const status = JSON.parse(readFileSync(join(dir, "data", "reload-status.json"), "utf8")) as { ok: boolean };
  assert.equal(status.ok, false);

  serve.kill("SIGTERM");
  await new Promise((r) => serve.once("exit", r));
  assert.equal(existsSync(pidFile), false);
  const none = await cli(["reload", "--config", "config.toml"]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no running server found: data\/xmpp-http-auth\.pid is missing/);
});
