// `user add` once created an empty store in whatever directory it ran from, and `user exists` there
// answered 1 for an account that existed in the running server's store. Now every command names
// its store, and only `add` with an explicit --data or --config creates one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { main } from "../../src/cli/main.ts";
import { findRunningInstance } from "../../src/cli/instance-file.ts";

async function user(args: string[], cwd: string, stdin = "") {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  stderr.on("data", (c: Buffer) => (err += c.toString()));
  const before = process.cwd();
  process.chdir(cwd);
  try {
    const code = await main(["user", ...args], {
      stdout,
      stderr,
      stdin: Readable.from([Buffer.from(stdin)]),
      env: {},
      stopSignal: new Promise(() => {}),
    });
    return { code, out, err };
  } finally {
    process.chdir(before);
  }
}

void test("without a store here, user refuses and creates nothing; --data names one", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "xha-user-store-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const args of [
    ["exists", "eve@localhost"],
    ["add", "eve@localhost", "--password-stdin"],
  ]) {
    const r = await user(args, dir, "pw\n");
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /no account store here .*--data DIR or --config FILE/);
  }
  assert.equal(existsSync(join(dir, "data")), false, "no store was created implicitly");

  const elsewhere = join(dir, "elsewhere");
  const missing = await user(["exists", "eve@localhost", "--data", elsewhere], dir);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /no account store at .*authd\.sqlite \(only 'user add' creates one\)/);
  assert.equal(existsSync(elsewhere), false);

  const added = await user(["add", "eve@localhost", "--data", elsewhere, "--password-stdin"], dir, "pw\n");
  assert.equal(added.code, 0, added.err);
  assert.match(added.err, /store: sqlite:.*elsewhere\/authd\.sqlite \(from --data, created now\)/);
  const exists = await user(["exists", "eve@localhost", "--data", "elsewhere"], dir);
  assert.equal(exists.code, 0, exists.err);
  assert.match(exists.err, /from --data\)\n$/);
});

void test("user finds the store of a running start from a subdirectory, and ignores a stale pid file", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "xha-user-running-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, "data");
  const sub = join(dir, "docs", "deeper");
  mkdirSync(data, { recursive: true });
  mkdirSync(sub, { recursive: true });
  // This process plays the running start; a pid that is not running is stale.
  writeFileSync(join(data, "xmpp-http-auth.pid"), JSON.stringify({ pid: 2 ** 22 + 1, authdUrl: "x" }));
  assert.equal(findRunningInstance(sub, "data"), undefined, "a stale file is not a running start");
  writeFileSync(
    join(data, "xmpp-http-auth.pid"),
    JSON.stringify({ pid: process.pid, dataPath: data, authdUrl: "http://127.0.0.1:1/auth" }),
  );
  assert.equal(findRunningInstance(sub, "data")?.dataPath, data);
  const added = await user(["add", "eve@localhost", "--password-stdin"], sub, "pw\n");
  assert.equal(added.code, 0, added.err);
  assert.match(
    added.err,
    new RegExp(`store: sqlite:${data}/authd\\.sqlite \\(of the running start, pid ${process.pid}`),
  );
  assert.equal(existsSync(join(sub, "data")), false, "nothing created in the subdirectory");
  assert.equal((await user(["exists", "eve@localhost"], dir)).code, 0);
});

void test("start --data DIR prints user commands that reach DIR; a second start there is refused", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "xha-start-data-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, "my data");
  // A pid file left by a crash whose pid is alive again (here: this process) is stale: no authd answers.
  mkdirSync(data, { recursive: true });
  writeFileSync(
    join(data, "xmpp-http-auth.pid"),
    JSON.stringify({ pid: process.pid, dataPath: data, authdUrl: "http://127.0.0.1:1/auth" }),
  );
  const stdout = new PassThrough();
  let out = "";
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  let stop!: () => void;
  const running = main(["start", "--data", data, "--port", "0", "--tls-port", "0", "--http-port", "0"], {
    stdout,
    stderr: new PassThrough(),
    stdin: Readable.from([]),
    env: {},
    stopSignal: new Promise<void>((resolve) => (stop = resolve)),
  });
  for (let i = 0; i < 600 && !out.includes("Press Ctrl-C"); i++) await new Promise((r) => setTimeout(r, 50));
  try {
    const printed = /create an account:\s+.* user (add alice@localhost .*)/.exec(out)?.[1] ?? "";
    assert.equal(printed, `add alice@localhost --data '${data}'`, out);
    const r = await user(["add", "alice@localhost", "--data", data, "--password-stdin"], dir, "pw\n");
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /my data\/authd\.sqlite \(from --data\)/, "the store start uses");
    const stderr = new PassThrough();
    let err = "";
    stderr.on("data", (c: Buffer) => (err += c.toString()));
    const second = await main(
      ["start", "--data", data, "--port", "0", "--tls-port", "0", "--http-port", "0"],
      {
        stdout: new PassThrough(),
        stderr,
        stdin: Readable.from([]),
        env: {},
        stopSignal: new Promise(() => {}),
      },
    );
    assert.equal(second, 1, "a second start on the same directory is refused");
    assert.match(err, /another start \(pid \d+\) is running on .*my data/);
  } finally {
    stop();
    assert.equal(await running, 0);
  }
});
