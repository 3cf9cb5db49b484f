// Issue 16's end-to-end check against authd, the reference API: @xmpp/client logs in over SASL2 +
// Bind2 with SCRAM (credentials from authd's get_password, the password never sent to authd), takes
// a FAST token, then reconnects with FAST over TCP and over WebSocket: authd sees get_password once
// and then only user_exists, never check_password. A changed password ends the token.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocket } from "ws";
import { client, xml } from "@xmpp/client";
import { parseAuthdConfig } from "../../src/authd/config.ts";
import { createAuthd, type Authd } from "../../src/authd/service.ts";
import { openStore } from "../../src/authd/store/open.ts";
import type { AccountStore } from "../../src/authd/store/store.ts";
import { captureLogs, SMALL_ARGON2 } from "../unit/authd-helpers.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";

// @xmpp/websocket uses the WHATWG global, which Node 20 has only behind a flag; ws implements it.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

type Token = { mechanism: string; token: string; expiry: string } | undefined;

let dir: string;
let store: AccountStore;
let authd: Authd;
let authdLogs: () => string;
let srv: TestServer;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "xha-sasl2-authd-"));
  const config = parseAuthdConfig(
    {
      port: 0,
      domains: ["localhost"],
      argon2_memory_kib: SMALL_ARGON2.memoryKib,
      argon2_iterations: SMALL_ARGON2.iterations,
      scram_iterations: 4096,
      database: `sqlite:${join(dir, "authd.sqlite")}`,
    },
    "test.toml",
    { dataPath: dir },
  );
  store = await openStore(config.database);
  const { logger, text } = captureLogs();
  authdLogs = text;
  authd = await createAuthd({ config, logger, store });
  const r = await fetch(`${authd.url}/register`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "user=carol&server=localhost&pass=s3cret-pass",
  });
  assert.equal(r.status, 201);
  srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    http_ports: [0],
    consider_websocket_secure: true,
    hosts: {
      localhost: { http_auth_url: authd.url, http_auth_scram: true, c2s_sasl2: true, sasl2_fast: true },
    },
  });
});

after(async () => {
  await srv.stop();
  await authd.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const methodsCalled = (since: number): string[] =>
  authdLogs()
    .slice(since)
    .split("\n")
    .flatMap((l) => (l.includes('"auth request"') ? [/"method":"([a-z_]+)"/.exec(l)?.[1] ?? ""] : []));

function sasl2Client(service: string, password: string, id: string) {
  const options = {
    service,
    domain: "localhost",
    username: "carol",
    password,
    userAgent: xml("user-agent", { id }),
  };
  const xmpp = client(options) as ReturnType<typeof client> & {
    fast: { saveToken(t: Token): Promise<void>; fetchToken(): Promise<Token> };
  };
  xmpp.on("error", () => {});
  return xmpp;
}

async function ping(xmpp: ReturnType<typeof client>): Promise<void> {
  const reply = await xmpp.iqCaller.request(
    xml("iq", { type: "get", to: "localhost" }, xml("ping", { xmlns: "urn:xmpp:ping" })),
  );
  assert.equal(reply.attrs.type, "result");
}

test("SASL2 + SCRAM from authd, then FAST reconnects over TCP and WebSocket without check_password", async () => {
  const id = "0f8e6a52-3b1d-4c7e-9a55-2d4b8e1c7f30";
  const tcp = `xmpp://127.0.0.1:${srv.port}`;
  const ws = `ws://127.0.0.1:${srv.httpPort}/xmpp-websocket`;
  let saved: Token;

  let since = authdLogs().length;
  const first = sasl2Client(tcp, "s3cret-pass", id);
  first.fast.saveToken = (t) => {
    saved = t;
    return Promise.resolve();
  };
  await first.start();
  await ping(first);
  await first.stop();
  assert.ok(srv.logs.some((l) => l.includes('"mechanism":"SCRAM-SHA-1"') && l.includes("carol@localhost")));
  assert.deepEqual(methodsCalled(since), ["get_password"], "SCRAM: authd never sees the password");
  assert.equal(saved?.mechanism, "HT-SHA-256-NONE");

  for (const service of [tcp, ws]) {
    since = authdLogs().length;
    const again = sasl2Client(service, "not the password", id); // FAST must not need it
    again.fast.fetchToken = () => Promise.resolve(saved);
    again.fast.saveToken = (t) => {
      saved = t ?? saved;
      return Promise.resolve();
    };
    await again.start();
    await ping(again);
    await again.stop();
    assert.deepEqual(methodsCalled(since), ["user_exists"], `FAST over ${service}`);
  }

  // A password change through the server ends every token of the account (XEP-0484 §4.6).
  const changer = sasl2Client(tcp, "s3cret-pass", "another-client");
  await changer.start();
  const changed = await changer.iqCaller.request(
    xml(
      "iq",
      { type: "set", to: "localhost" },
      xml(
        "query",
        { xmlns: "jabber:iq:register" },
        xml("username", {}, "carol"),
        xml("password", {}, "n3w-pass-word"),
      ),
    ),
  );
  assert.equal(changed.attrs.type, "result");
  await changer.stop();
  const stale = sasl2Client(tcp, "not the password", id);
  stale.fast.fetchToken = () => Promise.resolve(saved);
  stale.fast.saveToken = () => Promise.resolve();
  await assert.rejects(stale.start());
  await stale.stop().catch(() => {});
});
