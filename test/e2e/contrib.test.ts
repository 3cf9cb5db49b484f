// contrib/: the Grafana dashboard queries only metrics (and label values) that a real server's
// /metrics exposes, and the systemd units run commands that exist with the options they pass.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { PassThrough, Readable } from "node:stream";
import { main } from "../../src/cli/main.ts";
import { startAuthApi } from "../helpers/auth-api.ts";
import { startServer } from "../helpers/xmpp-server.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";

const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), "utf8");

interface Panel {
  readonly title: string;
  readonly targets: readonly { expr: string }[];
}

void test("every metric and outcome the Grafana dashboard queries is in a real server's /metrics", async (t) => {
  const dashboard = JSON.parse(read("contrib/grafana/xmpp-http-auth.json")) as { panels: Panel[] };
  const exprs = dashboard.panels.flatMap((p) => p.targets.map((x) => x.expr));
  assert.ok(exprs.length >= 5);
  const api = await startAuthApi({ "alice@localhost": "wonderland" });
  t.after(() => api.close());
  const srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    http_ports: [0],
    hosts: { localhost: { http_auth_url: api.url, http_auth_credentials: "xmpp:s3cret" } },
  });
  t.after(() => srv.stop());
  // One good login and one while the API fails, so both outcomes are in the text.
  const c = await RawClient.connect(srv.tlsPort, { tls: true });
  c.open();
  await c.waitFor("</stream:features>");
  await c.login("alice", "wonderland");
  api.fault = "500";
  const d = await RawClient.connect(srv.tlsPort, { tls: true });
  d.open();
  await d.waitFor("</stream:features>");
  await assert.rejects(d.login("alice", "wonderland"), /temporary-auth-failure/);
  d.destroy();
  const metrics = await (await fetch(`http://127.0.0.1:${srv.httpPort}/metrics`)).text();
  c.destroy();
  const names = new Set([...metrics.matchAll(/^(xha_[a-z0-9_]+)[{ ]/gm)].map((m) => m[1]));
  for (const expr of exprs) {
    for (const [name] of expr.matchAll(/xha_[a-z0-9_]+/g)) assert.ok(names.has(name), `${name} (in ${expr})`);
    for (const [, outcome] of expr.matchAll(/outcome="([^"]+)"/g))
      assert.match(metrics, new RegExp(`outcome="${outcome}"`), `outcome ${outcome ?? ""}`);
  }
});

void test("the systemd units run existing commands with options those commands accept", async () => {
  for (const unit of ["xmpp-http-auth.service", "xmpp-http-auth-authd.service"]) {
    const text = read(`contrib/systemd/${unit}`);
    for (const section of ["[Unit]", "[Service]", "[Install]"]) assert.ok(text.includes(section), unit);
    const exec = /^ExecStart=\S+\/xmpp-http-auth (\w+) (.*)$/m.exec(text);
    assert.ok(exec !== null, `${unit}: ExecStart runs xmpp-http-auth`);
    const [, command = "", rest = ""] = exec;
    // The command accepts the options (with --help appended it answers 0 instead of running).
    const stdout = new PassThrough();
    const code = await main([command, ...rest.split(" "), "--help"], {
      stdout,
      stderr: new PassThrough(),
      stdin: Readable.from([]),
      env: {},
      stopSignal: Promise.resolve(),
    });
    assert.equal(code, 0, `${unit}: ${command} ${rest}`);
  }
});
