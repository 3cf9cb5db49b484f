// The HTTP auth provider against APIs that are down, slow, broken or hostile: every fault is a
// backend-error value with a stable reason, found fast, and fails closed (never "ok").
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { silentLogger } from "../../src/log.ts";
import { createHttpMetrics } from "../../src/auth/http/metrics.ts";
import type { HttpProviderOptions } from "../../src/auth/http/provider.ts";
import type { AuthProvider } from "../../src/auth/provider.ts";
import { providerMaker } from "../helpers/providers.ts";
import {
  answer,
  closedPort,
  startRecorder,
  waitFor,
  type Handler,
  type Recorder,
} from "../helpers/http-recorder.ts";

const TIMEOUT = 300;
const SLACK = 400;

let rec: Recorder;

const providers = providerMaker(() => ({
  url: `${rec.origin}/auth`,
  host: "example.com",
  credentials: "prosody:secret",
  // Generous unless a test is about the deadline: the first request in a process also compiles
  // undici's HTTP parser, which can take a few hundred milliseconds on a busy machine.
  timeoutMs: 5000,
  logger: silentLogger(),
}));
const provider = (extra: Partial<HttpProviderOptions> = {}): AuthProvider => providers.make(extra);

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await f();
  return [value, performance.now() - start];
}

const hang: Handler = () => {};

/** 10 MiB of `t`, with or without a Content-Length. */
function huge(withLength: boolean): Handler {
  return (_req, res) => {
    const size = 10 * 1024 * 1024;
    res.writeHead(200, withLength ? { "content-length": size } : {});
    const chunk = Buffer.alloc(64 * 1024, "t");
    let sent = 0;
    const pump = (): void => {
      while (sent < size) {
        sent += chunk.length;
        if (!res.write(chunk)) {
          res.once("drain", pump);
          return;
        }
      }
      res.end();
    };
    pump();
  };
}

// A fresh server per test, so socket counts belong to that test alone.
beforeEach(async () => {
  rec = await startRecorder(answer(200, "true"));
});
afterEach(async () => {
  await providers.closeAll();
  await rec.close();
});

void describe("http provider: faults", () => {
  void it("connection refused → refused", async () => {
    const port = await closedPort();
    const p = provider({ url: `http://127.0.0.1:${port}/auth` });
    assert.deepEqual(await p.checkPassword("alice", "wonderland"), {
      outcome: "backend-error",
      reason: "refused",
    });
    assert.deepEqual(await p.register("alice", "wonderland"), {
      outcome: "backend-error",
      reason: "refused",
    });
  });

  void it("500 and 503 → status errors, for boolean and write methods", async () => {
    const p = provider();
    for (const status of [500, 503]) {
      rec.setHandler(answer(status, "true"));
      assert.deepEqual(await p.checkPassword("a", "b"), {
        outcome: "backend-error",
        reason: "status",
        status,
      });
      assert.deepEqual(await p.userExists("a"), { outcome: "backend-error", reason: "status", status });
      assert.deepEqual(await p.setPassword("a", "b"), { outcome: "backend-error", reason: "status", status });
    }
  });

  void it("a hung API → timeout within the deadline plus slack", async () => {
    rec.setHandler(hang);
    const p = provider({ timeoutMs: TIMEOUT });
    const [result, ms] = await timed(() => p.checkPassword("alice", "wonderland"));
    assert.deepEqual(result, { outcome: "backend-error", reason: "timeout" });
    assert.ok(ms >= TIMEOUT - 20 && ms < TIMEOUT + SLACK, `took ${ms} ms`);
    const [write, wms] = await timed(() => p.removeUser("alice"));
    assert.deepEqual(write, { outcome: "backend-error", reason: "timeout" });
    assert.ok(wms < TIMEOUT + SLACK, `took ${wms} ms`);
  });

  void it("a body that stalls after the headers → timeout", async () => {
    rec.setHandler((_req, res) => {
      res.writeHead(200, { "content-length": 4 });
      res.write("tr");
    });
    const [result, ms] = await timed(() =>
      provider({ timeoutMs: TIMEOUT }).checkPassword("alice", "wonderland"),
    );
    assert.deepEqual(result, { outcome: "backend-error", reason: "timeout" });
    assert.ok(ms < TIMEOUT + SLACK, `took ${ms} ms`);
  });

  void it("near-miss bodies fail closed as bad-body: true\\n, TRUE, JSON, empty, true + NUL", async () => {
    const p = provider();
    for (const body of ["true\n", "TRUE", '{"result":true}', "", " true", "true\u0000"]) {
      rec.setHandler(answer(200, body));
      assert.deepEqual(
        await p.checkPassword("a", "b"),
        { outcome: "backend-error", reason: "bad-body", status: 200 },
        JSON.stringify(body),
      );
      assert.deepEqual(await p.userExists("a"), {
        outcome: "backend-error",
        reason: "bad-body",
        status: 200,
      });
    }
  });

  void it("chunked transfer encoding is fine when the body is exactly true", async () => {
    rec.setHandler((_req, res) => {
      res.writeHead(200, { "transfer-encoding": "chunked" });
      res.write("tr");
      res.end("ue");
    });
    assert.deepEqual(await provider().checkPassword("a", "b"), { outcome: "ok" });
  });

  for (const withLength of [true, false]) {
    void it(`a 10 MiB body (${withLength ? "Content-Length" : "chunked"}) is capped: body-too-large, fast, socket closed`, async () => {
      rec.setHandler(huge(withLength));
      const metrics = createHttpMetrics();
      const p = provider({ metrics });
      const [result, ms] = await timed(() => p.checkPassword("a", "b"));
      assert.deepEqual(result, { outcome: "backend-error", reason: "body-too-large", status: 200 });
      assert.ok(ms < 1000, `took ${ms} ms`);
      // The connection is dropped, not left half-read in the pool: the server sees it close.
      const used = rec.requests[0]?.connection ?? -1;
      assert.ok(await waitFor(() => rec.isClosed(used)), "the connection that carried it closed");
      assert.ok(metrics.snapshot().connectionsClosed >= 1);
      // And the provider still works afterwards, on another connection.
      rec.setHandler(answer(200, "false"));
      assert.deepEqual(await p.checkPassword("a", "b"), { outcome: "false" });
      assert.notEqual(rec.requests[1]?.connection, used);
    });
  }

  void it("a large body on a write method is drained up to the cap; the status still decides", async () => {
    rec.setHandler((_req, res) => {
      res.writeHead(201, { "content-length": 100_000 });
      res.end(Buffer.alloc(100_000, "x"));
    });
    assert.deepEqual(await provider().register("a", "b"), { outcome: "ok" });
  });

  void it("a socket destroyed mid-response → network", async () => {
    rec.setHandler((req, res) => {
      res.writeHead(200, { "content-length": 4 });
      res.write("tr", () => req.socket.destroy());
    });
    const p = provider();
    assert.deepEqual(await p.checkPassword("a", "b"), { outcome: "backend-error", reason: "network" });
    rec.setHandler((req) => req.socket.destroy());
    assert.deepEqual(await p.userExists("a"), { outcome: "backend-error", reason: "network" });
  });

  void it("the caller's AbortSignal aborts a hung request → aborted, and the HTTP request is cancelled", async () => {
    rec.setHandler(hang);
    const p = provider();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const [result, ms] = await timed(() => p.checkPassword("a", "b", { signal: controller.signal }));
    assert.deepEqual(result, { outcome: "backend-error", reason: "aborted" });
    assert.ok(ms < 300, `took ${ms} ms`);
    assert.equal(rec.requests.length, 1);
    const used = rec.requests[0]?.connection ?? -1;
    assert.ok(await waitFor(() => rec.isClosed(used)), "the hung request's connection was closed");
  });

  void it("a caller signal that is already aborted sends nothing", async () => {
    const p = provider();
    const result = await p.register("a", "b", { signal: AbortSignal.abort() });
    assert.deepEqual(result, { outcome: "backend-error", reason: "aborted" });
    assert.equal(rec.requests.length, 0);
  });

  void it("a caller's own timeout signal still counts as the caller aborting", async () => {
    rec.setHandler(hang);
    const p = provider();
    const result = await p.userExists("a", { signal: AbortSignal.timeout(50) });
    assert.deepEqual(result, { outcome: "backend-error", reason: "aborted" });
  });

  void it("the deadline includes waiting for a pooled connection", async () => {
    rec.setHandler(hang);
    const p = provider({ maxConnections: 1, timeoutMs: TIMEOUT });
    const [results, ms] = await timed(() =>
      Promise.all([p.checkPassword("a", "b"), p.checkPassword("c", "d")]),
    );
    assert.deepEqual(
      results.map((r) => (r.outcome === "backend-error" ? r.reason : r.outcome)),
      ["timeout", "timeout"],
    );
    assert.ok(ms < TIMEOUT + SLACK, `took ${ms} ms`);
  });
});
