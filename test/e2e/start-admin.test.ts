// `start --admin-port`: the demo serves the admin page with authd's accounts (same process), prints
// its URL, and closes it on stop; a bad port is refused before anything starts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { main } from "../../src/cli/main.ts";

function io(stop: Promise<void>) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = { text: "" };
  stdout.on("data", (d: Buffer) => (out.text += d.toString()));
  stderr.on("data", (d: Buffer) => (out.text += d.toString()));
  return { out, io: { stdout, stderr, stdin: new PassThrough(), env: {}, stopSignal: stop } };
}

test("start --admin-port serves the page with accounts and prints its URL", async () => {
  const dir = mkdtempSync(join(tmpdir(), "xha-start-admin-"));
  let stop = () => {};
  const stopped = new Promise<void>((r) => (stop = r));
  const { out, io: cliIo } = io(stopped);
  const ports = ["--port", "0", "--tls-port", "0", "--http-port", "0", "--admin-port", "0"];
  const running = main(["start", "--data", dir, ...ports], cliIo);
  try {
    const deadline = Date.now() + 30_000;
    let url: string | undefined;
    while (url === undefined && Date.now() < deadline) {
      url = /Admin page: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out.text)?.[1];
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(url !== undefined, out.text);
    const res = await fetch(`${url}api/overview`, { headers: { "X-Admin-Token": "loopback" } });
    const body = (await res.json()) as { hosts: { name: string }[]; accounts: { available: boolean } };
    assert.deepEqual(
      body.hosts.map((h) => h.name),
      ["localhost"],
    );
    assert.equal(body.accounts.available, true);
    const add = await fetch(`${url}api/accounts/add`, {
      method: "POST",
      headers: { "X-Admin-Token": "loopback", "Content-Type": "application/json" },
      body: JSON.stringify({ jid: "zoe@localhost", password: "zoe-password" }),
    });
    assert.equal(add.status, 200);
    stop();
    assert.equal(await running, 0);
    await assert.rejects(fetch(`${url}api/overview`), "the page is closed with the rest");
  } finally {
    stop();
    await running;
    rmSync(dir, { recursive: true, force: true });
  }
});

test("start refuses a bad --admin-port before starting anything", async () => {
  const { out, io: cliIo } = io(new Promise(() => {}));
  const code = await main(["start", "--admin-port", "abc"], cliIo);
  assert.equal(code, 2);
  assert.match(out.text, /--admin-port: expected a port number/);
});
