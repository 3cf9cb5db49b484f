// The admin page as `serve` runs it: its file's [authd] table names the account store, which the page
// manages directly (as `xmpp-http-auth user` does); lockouts stay with the authd process and say so.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseServerConfig } from "../../src/config/load.ts";
import { startServeAdmin } from "../../src/admin/serve-admin.ts";
import { openStore } from "../../src/authd/store/open.ts";
import { silentLogger } from "../../src/log.ts";
import { startServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";

test("with an [authd] table, the page manages that store's accounts; unlocking is left to authd", async () => {
  const srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    hosts: { "example.com": { http_auth_url: "http://127.0.0.1:9/auth" } },
  });
  const database = `sqlite:${join(srv.dataPath, "accounts.sqlite")}`;
  const config = parseServerConfig(
    {
      data_path: srv.dataPath,
      hosts: { "example.com": { http_auth_url: "http://127.0.0.1:9/auth" } },
      authd: { database, domains: ["example.com"], argon2_memory_kib: 1024, argon2_iterations: 1 },
      admin: { port: 0 },
    },
    "serve.toml",
  );
  const page = await startServeAdmin({
    admin: { interfaces: ["127.0.0.1"], port: 0, token: undefined },
    config,
    server: srv.server,
    logger: silentLogger(),
  });
  const call = async (path: string, body?: unknown) => {
    const res = await fetch(`${page.url}api/${path}`, {
      headers: { "X-Admin-Token": "loopback", "Content-Type": "application/json" },
      ...(body === undefined ? {} : { method: "POST", body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  try {
    assert.equal(
      (await call("accounts/add", { jid: "Eve@example.com", password: "eve-password" })).status,
      200,
    );
    const list = await call("accounts?domain=example.com&q=ev");
    assert.deepEqual(list.body, { rows: [{ jid: "eve@example.com" }], total: 1 });
    const overview = await call("overview");
    assert.deepEqual((overview.body.accounts as { lockoutsVisible: boolean }).lockoutsVisible, false);
    const unlock = await call("accounts/unlock", { jid: "eve@example.com" });
    assert.equal(unlock.status, 409);
    assert.match(String(unlock.body.error), /held by the authd process/);
    assert.equal((await call("accounts/add", { jid: "x@elsewhere.org", password: "pw" })).status, 409);
    // The account is in the store authd reads.
    const store = await openStore(database);
    try {
      assert.equal(await store.exists("example.com", "eve"), true);
    } finally {
      await store.close();
    }
  } finally {
    await page.close();
    await srv.stop();
  }
});
