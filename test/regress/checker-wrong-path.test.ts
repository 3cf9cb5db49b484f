// The checker run against a wrong path (404 for everything) once said "reachable PASS" and then
// six FAILs, without ever asking whether the URL was right. Now `reachable` fails with that
// question and the other probes are not run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { runCheck } from "../../src/checker/run-check.ts";

void test("404 everywhere: reachable fails asking whether the URL is right, the rest are not run", async (t) => {
  const server = createServer((_req, res) => res.writeHead(404, { "content-length": "9" }).end("not found"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as AddressInfo).port;
  const report = await runCheck({
    url: `http://127.0.0.1:${port}/wrong`,
    server: "localhost",
    allowWrites: false,
    timeoutMs: 5000,
    slowMs: 1000,
  });
  const reachable = report.results.find((r) => r.id === "reachable");
  assert.equal(reachable?.status, "fail");
  assert.match(reachable?.reason ?? "", /is the URL right\?/);
  assert.equal(report.counts.failed, 1, "one failure, not one per probe");
  assert.ok(report.results.filter((r) => r.id !== "reachable").every((r) => r.status === "skip"));
});
