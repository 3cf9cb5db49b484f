// How the commands talk to people: pretty log lines on a terminal and JSON otherwise (secrets
// redacted either way, `component` naming the part), the real default port in `authd --help`, and
// hints that name the command as it runs where the user is.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { defaultAuthdConfig } from "../../src/authd/config.ts";
import { createCliLogger } from "../../src/cli/cli-logger.ts";
import { cliInvocation } from "../../src/cli/invocation.ts";
import { main } from "../../src/cli/main.ts";

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

void test("logs: human lines when asked (a TTY), JSON otherwise; redaction and component in both", () => {
  const pretty = sink();
  createCliLogger({ destination: pretty.stream, pretty: true, component: "authd" }).info(
    { password: "hunter2", port: 5380 },
    "authd listening",
  );

  assert.match(pretty.text(), /INFO: authd listening\n\s+component: "authd"\n/);
  assert.doesNotMatch(pretty.text(), /^\{/, "not JSON");
  assert.doesNotMatch(pretty.text(), /hunter2/);

  const json = sink();
  createCliLogger({ destination: json.stream, component: "authd" }).info({ password: "hunter2" }, "ready");
  const line = JSON.parse(json.text()) as Record<string, unknown>;
  assert.deepEqual([line.component, line.msg, line.password], ["authd", "ready", "[redacted]"]);
});

void test("authd --help gives the port authd really uses", async () => {
  const out = sink();
  const code = await main(["authd", "--help"], {
    stdout: out.stream,
    stderr: new PassThrough(),
    stdin: Readable.from([]),
    env: {},
    stopSignal: new Promise(() => {}),
  });
  assert.equal(code, 0);
  assert.match(out.text(), new RegExp(`default: 127\\.0\\.0\\.1:${defaultAuthdConfig().port},`));
  assert.equal(defaultAuthdConfig().port, 5380);
});

void test("hints name the command as it runs here: clone, project install, global install", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "xha-invocation-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const clone = join(dir, "clone");
  mkdirSync(join(clone, "bin"), { recursive: true });
  writeFileSync(join(clone, "bin", "xmpp-http-auth.js"), "");
  assert.equal(cliInvocation(join(clone, "bin", "xmpp-http-auth.js"), clone), "node bin/xmpp-http-auth.js");
  const project = join(dir, "app");
  const installed = join(project, "node_modules", "xmpp-http-auth", "bin");
  mkdirSync(installed, { recursive: true });
  mkdirSync(join(project, "src"));
  writeFileSync(join(installed, "xmpp-http-auth.js"), "");
  assert.equal(
    cliInvocation(join(installed, "xmpp-http-auth.js"), join(project, "src")),
    "npx xmpp-http-auth",
  );
  assert.equal(cliInvocation(join(installed, "xmpp-http-auth.js"), dir), "xmpp-http-auth");
});
