// ejabberd 23.01 (Debian's) with auth_method: external and our bridge as extauth_program, a real
// client against it: right and wrong password, registration, password change, an API fault. Skipped
// with the reason when ejabberd is not installed (.ci/run installs it).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { client, xml } from "@xmpp/client";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { findEjabberd, startEjabberd, type Ejabberd } from "../helpers/ejabberd.ts";
import { registerQuery, secureStream } from "../helpers/register-client.ts";
import type { RawClient } from "../helpers/raw-client.ts";

const found = findEjabberd();
const skip = "missing" in found ? found.missing : false;
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const fixture = (f: string) => readFileSync(join(ROOT, "test/fixtures/tls", f), "utf8");

let api: TestAuthApi;
let ejabberd: Ejabberd | undefined;
let dir: string;

before(
  async () => {
    if (skip !== false) return;
    api = await startAuthApi({ "alice@localhost": "wonder:land" });
    dir = mkdtempSync(join(tmpdir(), "xha-ejabberd-"));
    writeFileSync(
      join(dir, "bridge.toml"),
      `log_level = "debug"\n[hosts."localhost"]\nhttp_auth_url = "${api.url}"\nhttp_auth_timeout = 5\n`,
    );
    // ejabberd splits extauth_program on spaces: a script with none in its path runs the bridge.
    const script = join(dir, "extauth.sh");
    writeFileSync(
      script,
      `#!/bin/sh\ncd '${ROOT}' && exec '${process.execPath}' --import tsx src/cli/entry.ts extauth --config '${join(dir, "bridge.toml")}' 2>>'${join(dir, "bridge.log")}'\n`,
    );
    chmodSync(script, 0o755);
    ejabberd = await startEjabberd({
      libs: "libs" in found ? found.libs : "",
      dir,
      extauthProgram: script,
      certPem: fixture("server.crt") + fixture("server.key") + fixture("ca.crt"),
      // One bridge process: less start-up CPU on a loaded machine; the pool is measured in bench/.
      poolSize: 1,
    });
    // ejabberd takes 5–15 s to start on a loaded two-core machine: more than the default per-test limit.
  },
  { timeout: 180_000 },
);

/** A teardown step that cannot hang the run: past `ms` it fails, naming itself. */
async function bounded(label: string, p: Promise<void>, ms = 30_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`teardown: ${label} took over ${ms} ms`)), ms);
  });
  try {
    await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

after(async () => {
  if (skip !== false) return;
  await bounded("stopping ejabberd", ejabberd?.stop() ?? Promise.resolve());
  await bounded("closing the auth API", api.close());
  // XHA_KEEP_EJABBERD=1 keeps the run dir (ejabberd.yml, logs, bridge.log) to look at a failure.
  if (process.env.XHA_KEEP_EJABBERD === undefined) rmSync(dir, { recursive: true, force: true });
  // Twice in clean-clone CI runs this file's process stayed alive after its checks passed (npm test
  // now ends a file's process when its tests are done): say what is still open, for whoever looks.
  await new Promise((r) => setTimeout(r, 500));
  // (Its stdio to the test runner are PipeWraps of their own; timers are the runner's.)
  const open = process
    .getActiveResourcesInfo()
    .filter((r) => !["Timeout", "TTYWrap", "PipeWrap"].includes(r));
  if (open.length > 0) console.error(`ejabberd-extauth: still open after teardown: ${open.join(", ")}`);
});

type XmppClient = ReturnType<typeof client>;

async function login(username: string, password: string): Promise<XmppClient> {
  const xmpp = client({
    service: `xmpp://127.0.0.1:${ejabberd?.port ?? 0}`,
    domain: "localhost",
    username,
    password,
  });
  // ejabberd on a loaded machine can take more than xmpp.js's 2 s default for a step.
  (xmpp as unknown as { timeout: number }).timeout = 20_000;
  xmpp.on("error", () => {});
  try {
    await xmpp.start();
  } catch (err) {
    await xmpp.stop().catch(() => {});
    throw err;
  }
  return xmpp;
}

async function loginOutcome(username: string, password: string): Promise<string> {
  try {
    await (await login(username, password)).stop();
    return "logged in";
  } catch (err) {
    return (err as { condition?: string }).condition ?? String(err);
  }
}

/** An IQ's reply, "result" or its error condition; ejabberd quotes attributes with '. */
async function iqOutcome(c: RawClient, id: string, payload: string): Promise<string> {
  const mark = c.received.length;
  c.write(`<iq type='set' id='${id}'>${payload}</iq>`);
  const reply = await c.waitFor(
    new RegExp(`<iq\\b[^>]*\\bid=["']${id}["'][^>]*?(?:/>|>[\\s\\S]*?</iq>)`),
    20_000,
    mark,
  );
  if (/\btype=["']result["']/.test(reply)) return "result";
  return /<([a-z-]+) xmlns=["']urn:ietf:params:xml:ns:xmpp-stanzas["']/.exec(reply)?.[1] ?? reply;
}

const calls = (method: string) => api.requests.filter((r) => r.path.endsWith("/" + method)).length;

test(
  "ejabberd logs a user in through the bridge: right password yes, wrong password no",
  { skip, timeout: 120_000 },
  async () => {
    const before = calls("check_password");
    assert.equal(await loginOutcome("alice", "wonder:land"), "logged in");
    assert.equal(await loginOutcome("alice", "wonder"), "not-authorized");
    assert.equal(await loginOutcome("nobody", "x"), "not-authorized");
    assert.ok(calls("check_password") - before >= 3, "every attempt reached the API");
  },
);

test(
  "in-band registration and a password change on ejabberd reach the API through the bridge",
  { skip, timeout: 120_000 },
  async () => {
    const c = await secureStream({ port: ejabberd?.port ?? 0 });
    try {
      const reply = (id: string, username: string, password: string) =>
        iqOutcome(c, id, registerQuery({ username, password }));
      assert.equal(await reply("r1", "newbie", "first"), "result");
      assert.equal(await reply("r2", "alice", "taken"), "conflict");
    } finally {
      c.destroy();
    }
    assert.equal(api.users.get("newbie@localhost"), "first");

    const xmpp = await login("newbie", "first");
    await xmpp.iqCaller.set(
      xml(
        "query",
        { xmlns: "jabber:iq:register" },
        xml("username", {}, "newbie"),
        xml("password", {}, "sec:ond"),
      ),
    );
    await xmpp.stop();
    assert.equal(api.users.get("newbie@localhost"), "sec:ond");
    assert.equal(await loginOutcome("newbie", "first"), "not-authorized");
    assert.equal(await loginOutcome("newbie", "sec:ond"), "logged in");
  },
);

test(
  "an API fault is a refused login on ejabberd, logged by the bridge as a fault, never the password",
  { skip, timeout: 120_000 },
  async () => {
    api.fault = "500";
    try {
      assert.notEqual(await loginOutcome("alice", "wonder:land"), "logged in");
    } finally {
      api.fault = "none";
    }
    assert.equal(await loginOutcome("alice", "wonder:land"), "logged in");
    const log = ejabberd?.bridgeLog() ?? "";
    assert.match(log, /backend fault answered no/);
    assert.ok(!/wonder|sec:ond|first/.test(log), "no password in the bridge's log");
  },
);
