// `xmpp-http-auth extauth` as ejabberd runs it: a process with frames on stdin and answers on stdout,
// logs on stderr without passwords, a clean exit at EOF, and a timeout that fits ejabberd's 30 s.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
let api: TestAuthApi;
let dir: string;

before(async () => {
  api = await startAuthApi({ "alice@localhost": "s3cret:pw" });
  dir = mkdtempSync(join(tmpdir(), "xha-extauth-"));
});
after(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

function frame(text: string): Buffer {
  const body = Buffer.from(text, "utf8");
  return Buffer.concat([Buffer.from([body.length >> 8, body.length & 0xff]), body]);
}

function runBridge(
  config: string,
  input: Buffer,
): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(file, config);
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "src/cli/entry.ts", "extauth", "--config", file],
    {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  const out: Buffer[] = [];
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => out.push(c));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(input); // then EOF, as when ejabberd stops
  return new Promise((resolve) =>
    child.once("close", (code) => resolve({ code, stdout: Buffer.concat(out), stderr })),
  );
}

const config = (extra = "") =>
  `log_level = "debug"\n[hosts."localhost"]\nhttp_auth_url = "${api.url}"\n${extra}`;

test("answers pipelined frames in order on stdout, logs to stderr without passwords, exits 0 at EOF", async () => {
  const { code, stdout, stderr } = await runBridge(
    config(),
    Buffer.concat([
      frame("auth:alice:localhost:s3cret:pw"),
      frame("auth:alice:localhost:wrong-pw-XYZ"),
      frame("isuser:alice:localhost"),
      frame("nonsense"),
      frame("isuser:bob:localhost"),
      frame("auth:alice:other.example:s3cret:pw"),
    ]),
  );
  assert.equal(code, 0, stderr);
  assert.deepEqual([...stdout], [0, 2, 0, 1, 0, 2, 0, 0, 0, 2, 0, 1, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0]);
  assert.match(stderr, /input closed, exiting/);
  assert.match(stderr, /bad request answered no/);
  assert.match(stderr, /"fault":"unknown-host"/);
  assert.ok(!/s3cret|wrong-pw-XYZ/.test(stderr), "no password on stderr");
});

test("a truncated last frame is reported at EOF and not answered", async () => {
  const { code, stdout, stderr } = await runBridge(
    config(),
    Buffer.concat([frame("isuser:alice:localhost"), frame("auth:alice:localhost:s3cret:pw").subarray(0, 9)]),
  );
  assert.equal(code, 0);
  assert.deepEqual([...stdout], [0, 2, 0, 1]);
  assert.match(stderr, /input ended inside a frame/);
  assert.ok(!stderr.includes("s3cret"));
});

test("an http_auth_timeout that would not fit ejabberd's 30 s is refused at start, naming the key", async () => {
  const { code, stdout, stderr } = await runBridge(config("http_auth_timeout = 30\n"), Buffer.alloc(0));
  assert.equal(code, 1);
  assert.equal(stdout.length, 0, "nothing on the protocol stream");
  assert.match(stderr, /hosts\."localhost"\.http_auth_timeout must be at most 12/);
  assert.match(stderr, /XHA_CONFIG_INVALID/);
});

test("a hung API is answered no within http_auth_timeout and logged as a timeout fault", async () => {
  api.fault = "hang";
  try {
    const started = Date.now();
    const { code, stdout, stderr } = await runBridge(
      config("http_auth_timeout = 0.5\n"),
      frame("auth:alice:localhost:s3cret:pw"),
    );
    assert.equal(code, 0);
    assert.deepEqual([...stdout], [0, 2, 0, 0]);
    assert.match(stderr, /"fault":"timeout"/);
    assert.ok(Date.now() - started < 20_000);
  } finally {
    api.fault = "none";
  }
});
