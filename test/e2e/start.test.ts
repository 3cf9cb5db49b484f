// The embedded default as a newcomer meets it: `start` in a fresh directory, an account made with
// `user add`, a real client logging in over the generated self-signed certificate, registration
// from a client landing in authd's SQLite file, and Ctrl-C stopping both halves cleanly.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { RawClient } from "../helpers/raw-client.ts";
import { iq, outcome, registerQuery } from "../helpers/register-client.ts";

const ENTRY = fileURLToPath(new URL("../../src/cli/entry.ts", import.meta.url));
const TSX = fileURLToPath(new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url));

let dir: string;
let start: ChildProcess;
let output = "";
let port = 0;
let tlsPort = 0;
let cert = "";

function cli(
  args: string[],
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", TSX, ENTRY, ...args], { cwd: dir, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdin.end(input ?? "");
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "xha-start-"));
  start = spawn(
    process.execPath,
    ["--import", TSX, ENTRY, "start", "--port", "0", "--tls-port", "0", "--http-port", "0"],
    {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  start.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`start did not come up: ${output}`)), 30_000);
    start.stdout?.on("data", (d: Buffer) => {
      output += d.toString();
      if (output.includes("Press Ctrl-C to stop.")) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  port = Number(/XMPP \(STARTTLS\)\s+localhost:(\d+)/.exec(output)?.[1]);
  tlsPort = Number(/XMPP \(direct TLS\)\s+localhost:(\d+)/.exec(output)?.[1]);
  cert = readFileSync(join(dir, "data", "certs", "selfsigned.crt"), "utf8");
});

after(() => {
  start.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

test("start prints the next steps and keeps its secrets to itself", () => {
  assert.ok(port > 0 && tlsPort > 0, output);
  assert.match(output, /user add alice@localhost\n/);
  assert.match(output, /self-signed/);
  assert.doesNotMatch(output, /xmpp:[A-Za-z0-9_-]{20,}/, "the generated credentials are never printed");
});

test("an account made with `user add` logs in over STARTTLS with the generated certificate", async () => {
  const added = await cli(["user", "add", "alice@localhost", "--password-stdin"], "wonderland\n");
  assert.equal(added.code, 0, added.stderr);
  const c = await RawClient.connect(port, { ca: cert });
  c.open();
  await c.waitFor("</stream:features>");
  await c.starttls();
  assert.match(await c.login("alice", "wonderland"), /^alice@localhost\//);
  c.destroy();
  const exists = await cli(["user", "exists", "alice@localhost"]);
  assert.equal(exists.code, 0);
});

test("registration from a client creates the account in authd's SQLite store", async () => {
  const c = await RawClient.connect(tlsPort, { tls: true, ca: cert });
  c.open();
  await c.waitFor("</stream:features>");
  assert.equal(
    outcome(await iq(c, "set", registerQuery({ username: "bob", password: "builder" }))),
    "result",
  );
  c.destroy();
  const db = new Database(join(dir, "data", "authd.sqlite"), { readonly: true });
  try {
    const row = db
      .prepare("SELECT username, hash FROM accounts WHERE server = 'localhost' AND username = 'bob'")
      .get() as { username: string; hash: string } | undefined;
    assert.equal(row?.username, "bob");
    assert.match(row?.hash ?? "", /^\$argon2id\$/, "the password is stored as an Argon2id hash");
  } finally {
    db.close();
  }
});

test("the printed check command, credentials read from a 0600 file, passes against the demo's authd", async () => {
  const file = join(dir, "data", "authd-credentials");
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const printed = /check the auth API:\s+(.+)/.exec(output)?.[1] ?? "";
  assert.match(
    printed,
    /^XMPP_HTTP_AUTH_CREDENTIALS="\$\(cat .*authd-credentials\)" .* check http:\/\/127\.0\.0\.1:\d+\/auth --server localhost$/,
  );
  // Run from source here, so tsx is named by path (the printed line says `--import tsx`).
  const command = printed.replace("--import tsx", `--import ${TSX}`);
  const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn("sh", ["-c", command], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (code) => resolve({ code, out }));
  });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /\d+ passed, 0 failed/);
});

test("localhost is served on ::1 too, where clients try first", async () => {
  const ok = await new Promise<boolean>((resolve) => {
    const s = connect({ host: "::1", port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
  assert.ok(ok, "a client connecting to [::1] reaches the server");
});

test("Ctrl-C stops the server and authd and exits 0", async () => {
  const exited = new Promise<number | null>((resolve) => start.once("exit", (code) => resolve(code)));
  start.kill("SIGINT");
  assert.equal(await exited, 0);
  assert.match(output, /stopping/);
  assert.throws(() => statSync(join(dir, "data", "xmpp-http-auth.pid")), "the pid file is removed");
  await assert.rejects(RawClient.connect(port), "the port is closed");
});

test("the installed command answers --help and --version (bin/ runs the build `npm ci` made)", async () => {
  const bin = fileURLToPath(new URL("../../bin/xmpp-http-auth.js", import.meta.url));
  const run = (args: string[]) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      child.on("close", (code) => resolve({ code, out }));
    });
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  for (const command of ["start", "serve", "authd", "user", "check"])
    assert.match(help.out, new RegExp(`\\n  ${command} `));
  const version = await run(["--version"]);
  assert.match(version.out, /^\d+\.\d+\.\d+\n$/);
  const unknown = await run(["frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.out, /unknown command 'frobnicate'/);
});
