// The `user` and `authd` commands with a real temp config and SQLite store: an account added with
// --password-stdin is visible to `exists`, `list` and a check through the handler; `authd` starts
// on port 0 and stops on the stop signal.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { test } from "node:test";
import { loadAuthdConfig } from "../../src/authd/config.ts";
import { createAuthHandler } from "../../src/authd/handler.ts";
import { createPasswordHasher } from "../../src/authd/password-hasher.ts";
import { createStoreBackend } from "../../src/authd/store-backend.ts";
import { openStore } from "../../src/authd/store/open.ts";
import type { CliIo } from "../../src/cli/io.ts";
import { main } from "../../src/cli/main.ts";
import { SMALL_ARGON2, tempDir } from "./authd-helpers.ts";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function io(
  stdin: string,
  stopSignal: Promise<void> = new Promise(() => {}),
): { io: CliIo; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  stderr.on("data", (c: Buffer) => (err += c.toString()));
  return {
    io: { stdout, stderr, stdin: Readable.from([Buffer.from(stdin)]), env: {}, stopSignal },
    out: () => out,
    err: () => err,
  };
}

async function cli(args: string[], stdin = ""): Promise<Run> {
  const r = io(stdin);
  const code = await main(args, r.io);
  return { code, stdout: r.out(), stderr: r.err() };
}

async function writeConfig(dir: string, extra = ""): Promise<string> {
  const file = join(dir, "xha.toml");
  await writeFile(
    file,
    `[server]\nname = "ignored by authd"\n\n[authd]\nport = 0\ndomains = ["example.com"]\ndatabase = "sqlite:${join(dir, "db", "authd.sqlite")}"\nargon2_memory_kib = ${SMALL_ARGON2.memoryKib}\nargon2_iterations = 1\n${extra}`,
  );
  return file;
}

void test("user add --password-stdin, then exists, list, passwd, del, and a check through the handler", async (t) => {
  const dir = await tempDir(t);
  const config = await writeConfig(dir);
  const password = "p äss&=+/?% wörd";

  const added = await cli(
    ["user", "add", "Alice@Example.com", "--config", config, "--password-stdin"],
    `${password}\n`,
  );
  assert.deepEqual([added.code, added.stdout], [0, "created alice@example.com\n"]);
  assert.match(
    added.stderr,
    /^user: store: sqlite:\/.*\/db\/authd\.sqlite \(from .*xha\.toml, created now\)\n$/,
  );
  assert.equal((await cli(["user", "exists", "alice@example.com", "--config", config])).code, 0);
  assert.equal((await cli(["user", "exists", "ALICE@example.com", "--config", config])).code, 0);
  assert.equal((await cli(["user", "exists", "bob@example.com", "--config", config])).code, 1);
  const again = await cli(
    ["user", "add", "alice@example.com", "--config", config, "--password-stdin"],
    "x\n",
  );
  assert.deepEqual(
    [again.code, again.stderr.split("\n")[1]],
    [2, "user: account exists: alice@example.com"],
    "the error follows the store line",
  );
  await cli(["user", "add", "bob@example.com", "--config", config, "--password-stdin"], "b\n");
  assert.equal((await cli(["user", "list", "example.com", "--config", config])).stdout, "alice\nbob\n");

  // The password stored by the CLI is the one the protocol checks (trailing newline removed).
  const cfg = loadAuthdConfig(config, { dataPath: dir });
  const check = async (pass: string): Promise<string> => {
    const store = await openStore(cfg.database);
    try {
      const handler = createAuthHandler(
        createStoreBackend({ store, hasher: await createPasswordHasher(SMALL_ARGON2) }),
      );
      const q = new URLSearchParams({ user: "alice", pass, server: "example.com" });
      return await (await handler(new Request(`http://x/auth/check_password?${q.toString()}`))).text();
    } finally {
      await store.close();
    }
  };
  assert.equal(await check(password), "true");
  assert.equal(await check(password + "\n"), "false");

  assert.equal(
    (await cli(["user", "passwd", "alice@example.com", "--config", config, "--password-stdin"], "n3w")).code,
    0,
  );
  assert.equal(await check("n3w"), "true");
  assert.equal(await check(password), "false");
  const deleted = await cli(["user", "del", "alice@example.com", "--config", config]);
  assert.deepEqual([deleted.code, deleted.stdout], [0, "deleted alice@example.com\n"]);
  assert.equal(deleted.stderr, `user: store: sqlite:${join(dir, "db", "authd.sqlite")} (from ${config})\n`);
  assert.equal((await cli(["user", "exists", "alice@example.com", "--config", config])).code, 1);
  assert.equal((await cli(["user", "del", "alice@example.com", "--config", config])).code, 2);
});

void test("user: errors are one line and exit non-zero; the password never comes from argv", async (t) => {
  const dir = await tempDir(t);
  const config = await writeConfig(dir);
  const cases: Array<[string[], string, RegExp]> = [
    [["user", "add", "alice@example.com", "--config", config], "", /no terminal to prompt.*--password-stdin/],
    [
      ["user", "add", "alice@example.com", "--config", config, "--password", "x"],
      "",
      /Unknown option '--password'/,
    ],
    [
      ["user", "add", "alice@other.test", "--config", config, "--password-stdin"],
      "x",
      /does not serve other\.test/,
    ],
    [["user", "add", "not-a-jid", "--config", config, "--password-stdin"], "x", /not a bare JID/],
    [["user", "add", "a@example.com", "--config", config, "--password-stdin"], "\n", /password is empty/],
    [["user", "frob", "a@example.com"], "", /unknown action: frob/],
    [["user", "exists", "a@example.com", "--config", join(dir, "missing.toml")], "", /missing\.toml/],
  ];
  for (const [args, stdin, message] of cases) {
    const r = await cli(args, stdin);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.stderr.split("\n")[0]!, message);
    assert.match(r.stderr.split("\n")[0]!, /^user: /);
  }
  assert.equal(
    (await cli(["user", "list", "example.com", "--config", config])).stdout,
    "",
    "nothing was created",
  );
});

void test("authd --config starts on port 0, answers, and stops on the stop signal", async (t) => {
  const dir = await tempDir(t);
  const config = await writeConfig(dir, 'credentials = "prosody:hunter2"\n');
  let stop!: () => void;
  const r = io("", new Promise<void>((resolve) => (stop = resolve)));
  const running = main(["authd", "--config", config], r.io);
  let url: string | undefined;
  for (let i = 0; i < 200 && url === undefined; i++) {
    url = /"address":"([^"]+)"/.exec(r.out())?.[1];
    if (url === undefined) await new Promise((res) => setTimeout(res, 25));
  }
  assert.ok(url !== undefined, `no URL logged: ${r.out()} ${r.err()}`);
  const res = await fetch(`${url}/user_exists?user=a&server=example.com`, {
    headers: { authorization: "Basic " + Buffer.from("prosody:hunter2").toString("base64") },
  });
  assert.deepEqual([res.status, await res.text()], [200, "false"]);
  stop();
  assert.equal(await running, 0);
  await assert.rejects(fetch(`${url}/user_exists?user=a&server=example.com`));
  assert.ok(!r.out().includes("hunter2"), "credentials are never logged");
});

void test("authd: a bad config is one line naming the file and key, exit 1", async (t) => {
  const dir = await tempDir(t);
  const config = await writeConfig(dir, "max_body_bytes = 100\n");
  const r = await cli(["authd", "--config", config]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /xha\.toml: authd\.max_body_bytes: must be between/);
  assert.equal(r.stderr.trim().split("\n").length, 1);
});
