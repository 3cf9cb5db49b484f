// Regression: the XEP-0313 retention sweep's timer (archive_expires_after, src/modules/mam/retention.ts)
// was started when the server was built and never stopped: a stopped server kept a timer that swept
// a closed store every hour. Now start() starts it and stop() clears it. The timers the server makes
// are watched through setInterval/clearInterval (this file runs in its own process).
import { test } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { SWEEP_INTERVAL_MS } from "../../src/modules/mam/retention.ts";

test("server.stop() clears the archive retention timer that start() set", async () => {
  const sweeps = new Set<unknown>();
  const cleared = new Set<unknown>();
  const { setInterval: set, clearInterval: clear } = globalThis;
  globalThis.setInterval = (fn: () => void, ms?: number) => {
    const t = set(fn, ms);
    if (ms === SWEEP_INTERVAL_MS) sweeps.add(t);
    return t;
  };
  globalThis.clearInterval = (t: Parameters<typeof clearInterval>[0]) => {
    cleared.add(t);
    clear(t);
  };
  try {
    const server = await startServer({
      certificate: TEST_CERT,
      key: TEST_KEY,
      hosts: { localhost: { http_auth_url: "http://127.0.0.1:9/" } },
    });
    assert.equal(sweeps.size, 1, "start() set the retention timer");
    await server.stop();
    assert.deepEqual(
      [...sweeps].filter((t) => !cleared.has(t)),
      [],
      "stop() cleared it",
    );
  } finally {
    globalThis.setInterval = set;
    globalThis.clearInterval = clear;
  }
});
