// The README's example (examples/node-http.ts) runs over loopback: it answers the protocol with
// credentials, case-mapped usernames and its one domain, and the methods it leaves out answer 501.
import assert from "node:assert/strict";
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
