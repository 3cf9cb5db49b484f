// The README's example (examples/node-http.ts) runs over loopback: it answers the protocol with
// credentials, case-mapped usernames and its one domain, and the methods it leaves out answer 501.
// Run as the README says, it imports the package by name, listens and keeps running.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { basicAuthorization } from "../../src/auth/http/protocol.ts";
import { createExampleServer } from "../../examples/node-http.ts";

void test("examples/node-http.ts answers the protocol", async (t) => {
  const server = createExampleServer(new Map([["alice@example.com", "wonderland"]]));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth`;
  const headers = { authorization: basicAuthorization("prosody:secret") };
  const get = async (path: string, h: Record<string, string> = headers) => {
    const res = await fetch(`${base}/${path}`, { headers: h });
    return [res.status, await res.text()];
  };
  assert.deepEqual(await get("check_password?user=alice&pass=wonderland&server=example.com"), [200, "true"]);
  assert.deepEqual(await get("check_password?user=ALICE&pass=wonderland&server=example.com"), [200, "true"]);
  assert.deepEqual(await get("check_password?user=alice&pass=nope&server=example.com"), [200, "false"]);
  assert.deepEqual(await get("user_exists?user=alice&server=other.test"), [200, "false"]);
  assert.equal((await get("user_exists?user=alice&server=example.com", {}))[0], 401);
  const reg = await fetch(`${base}/register`, {
    method: "POST",
    headers,
    body: "user=bob&pass=x&server=example.com",
  });
  assert.equal(reg.status, 501);
});

void test("examples/node-http.ts runs as a program: it listens and keeps serving until stopped", async (t) => {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const tsx = fileURLToPath(new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url));
  const child = spawn(process.execPath, ["--import", tsx, "examples/node-http.ts"], {
    cwd: root,
    env: { ...process.env, PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  t.after(() => child.kill("SIGKILL"));
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line: ${out}`)), 45_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /http_auth_url = "([^"]+)"/.exec(out);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
  });
  const ask = async () => {
    const res = await fetch(`${url}/check_password?user=alice&pass=wonderland&server=example.com`, {
      headers: { authorization: basicAuthorization("prosody:secret") },
    });
    return [res.status, await res.text()];
  };
  assert.deepEqual(await ask(), [200, "true"]);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(child.exitCode, null, "still running");
  assert.deepEqual(await ask(), [200, "true"]);
  child.kill("SIGTERM");
  await exited;
});
