// The extauth bridge against a real HTTP API: every operation, answers in order while the API calls
// run at once, faults and bad frames answered "no" (and logged without the password), split reads.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { providerMaker } from "../helpers/providers.ts";
import { createLogger, silentLogger } from "../../src/log.ts";
import { createExtauthBridge } from "../../src/extauth/bridge.ts";
import { createFrameDecoder } from "../../src/extauth/frames.ts";
import type { AuthProvider } from "../../src/auth/provider.ts";

let api: TestAuthApi;
const providers = providerMaker(() => ({
  url: api.url,
  host: "localhost",
  timeoutMs: 5000,
  logger: silentLogger(),
}));

before(async () => {
  api = await startAuthApi();
});
after(async () => {
  await providers.closeAll();
  await api.close();
});

function frame(text: string | Buffer): Buffer {
  const body = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  const head = Buffer.alloc(2);
  head.writeUInt16BE(body.length);
  return Buffer.concat([head, body]);
}

function bridgeOver(provider: AuthProvider | undefined, host = "localhost") {
  const answers: number[] = [];
  const logs: string[] = [];
  const logger = createLogger({
    level: "debug",
    destination: new Writable({
      write(chunk: Buffer, _e, cb) {
        logs.push(chunk.toString());
        cb();
      },
    }),
  });
  const bridge = createExtauthBridge({
    providerFor: (h) => (h === host ? provider : undefined),
    write: (a) => {
      assert.equal(a.length, 4);
      assert.equal(a.readUInt16BE(0), 2);
      answers.push(a.readUInt16BE(2));
    },
    logger,
    deadlineMs: 5000,
  });
  const ask = async (...texts: (string | Buffer)[]) => {
    const from = answers.length;
    bridge.push(Buffer.concat(texts.map(frame)));
    await bridge.drain();
    return answers.slice(from);
  };
  return { bridge, answers, logs, ask };
}

test("every operation is answered through the API, the password may hold ':'", async () => {
  api.fault = "none";
  api.users.clear();
  api.users.set("alice@localhost", "pa:ss:word");
  const { ask } = bridgeOver(providers.make());
  assert.deepEqual(await ask("auth:alice:localhost:pa:ss:word", "auth:alice:localhost:pa:ss"), [1, 0]);
  assert.deepEqual(await ask("auth:Alice:LOCALHOST:pa:ss:word"), [1], "prepared as the server's SASL does");
  assert.deepEqual(await ask("isuser:alice:localhost", "isuser:bob:localhost"), [1, 0]);
  assert.deepEqual(await ask("tryregister:bob:localhost:b0b", "tryregister:bob:localhost:again"), [1, 0]);
  assert.deepEqual(await ask("setpass:bob:localhost:n:ew"), [1]);
  assert.equal(api.users.get("bob@localhost"), "n:ew");
  assert.deepEqual(await ask("removeuser3:bob:localhost:wrong"), [0]);
  assert.ok(api.users.has("bob@localhost"), "removeuser3 with a wrong password removes nothing");
  assert.deepEqual(await ask("removeuser3:bob:localhost:n:ew"), [1]);
  assert.ok(!api.users.has("bob@localhost"));
  assert.deepEqual(await ask("removeuser:alice:localhost", "removeuser:alice:localhost"), [1, 0]);
  assert.deepEqual(await ask("auth:alice:localhost:"), [0], "an empty password is a no without a call");
});

test("bad frames are answered no and logged without the password; the stream stays in step", async () => {
  api.fault = "none";
  api.users.set("carol@localhost", "c");
  const { ask, logs } = bridgeOver(providers.make());
  const secret = "hunter2-SECRET";
  const answers = await ask(
    "",
    Buffer.from([0x61, 0x75, 0x74, 0x68, 0x3a, 0xff, 0xfe]), // "auth:" + invalid UTF-8
    "auth:carol:localhost",
    "isuser:carol",
    "isuser:carol:localhost:extra",
    `${secret}:carol:localhost`,
    `auth:ca/rol:localhost:${secret}`,
    `auth:carol:bad host:${secret}`,
    `auth:carol:localhost:${secret}\u0000`,
    "auth:carol:localhost:c",
  );
  assert.deepEqual(answers, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  const bad = logs.filter((l) => l.includes("bad request"));
  assert.equal(bad.length, 9);
  assert.ok(!logs.join("").includes(secret), "no password in any log line");
  assert.match(bad[0] ?? "", /empty frame/);
  assert.match(bad[1] ?? "", /UTF-8/);
  assert.match(bad[2] ?? "", /missing fields/);
});

test("API faults are answered no and logged as faults; an unknown host is a no", async () => {
  const provider = providers.make({ timeoutMs: 500 }); // the hung call ends here
  const { ask, logs } = bridgeOver(provider);
  api.users.set("dan@localhost", "d");
  for (const fault of ["500", "garbage", "hang"] as const) {
    api.fault = fault;
    assert.deepEqual(await ask("auth:dan:localhost:d"), [0], fault);
  }
  api.fault = "none";
  assert.deepEqual(await ask("auth:dan:localhost:d", "auth:dan:elsewhere.example:d"), [1, 0]);
  const faults = logs.filter((l) => l.includes("backend fault"));
  assert.deepEqual(
    faults.map((l) => (JSON.parse(l) as { fault: string }).fault),
    ["status", "bad-body", "timeout", "unknown-host"],
  );
});

test("answers come in request order while the API calls run at once (no head-of-line blocking)", async () => {
  // An API that holds user "slow" until released, and answers everyone else at once.
  let release = () => {};
  const held = new Promise<void>((r) => (release = r));
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    const user = new URL(req.url ?? "/", "http://x").searchParams.get("user") ?? "";
    seen.push(user);
    const reply = () =>
      void res.writeHead(200, { "content-type": "text/plain" }).end(user === "nobody" ? "false" : "true");
    if (user === "slow") void held.then(reply);
    else reply();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth`;
  try {
    const { bridge, answers } = bridgeOver(providers.make({ url, timeoutMs: 10_000 }));
    const fast = Array.from({ length: 20 }, (_, i) =>
      frame(`isuser:${i % 2 === 0 ? "user" + i : "nobody"}:localhost`),
    );
    bridge.push(Buffer.concat([frame("isuser:slow:localhost"), ...fast]));
    // Every later call reaches the API while the first is still held...
    for (let i = 0; i < 200 && seen.length < 21; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(seen.length, 21, "all calls in flight at once");
    assert.deepEqual(answers, [], "...but nothing is answered before the first request");
    release();
    await bridge.drain();
    assert.deepEqual(answers, [1, ...Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 1 : 0))]);
  } finally {
    release();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test("frames split across reads at every byte, and several in one read, decode alike", () => {
  const bytes = Buffer.concat([frame("isuser:a:b"), frame(""), frame("auth:a:b:p:q")]);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const d = createFrameDecoder();
    const frames = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
    assert.deepEqual(
      frames.map((f) => f.toString()),
      ["isuser:a:b", "", "auth:a:b:p:q"],
      `cut ${cut}`,
    );
    assert.equal(d.pending, 0);
  }
  const d = createFrameDecoder();
  for (const byte of bytes.subarray(0, 5)) d.push(Buffer.from([byte]));
  assert.equal(d.pending, 5);
});
