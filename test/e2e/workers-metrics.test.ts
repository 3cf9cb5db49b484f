// End to end, `serve --workers 2`: /metrics and the admin overview land on one worker (they share the
// ports) yet answer for both, one valid Prometheus exposition with each worker's samples under its
// node name; with a worker killed, the survivor still answers and shows the other as not answering.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { get } from "node:http";
import { stringify } from "smol-toml";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { ChatClient, xml } from "../helpers/chat-client.ts";
import { dropSchema, uniqueSchema } from "../helpers/postgres.ts";
import { REDIS_URL, dropPrefix, uniquePrefix } from "../helpers/redis.ts";
import { clusterSkip, nodeConfig } from "../helpers/cluster.ts";
import { freePort } from "../helpers/free-port.ts";

const ENTRY = fileURLToPath(new URL("../../src/cli/entry.ts", import.meta.url));
const TSX = fileURLToPath(new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url));
const skip = clusterSkip;
let api: TestAuthApi;
let dir: string;
const schema = uniqueSchema("xha_wmetrics");
const prefix = uniquePrefix();

before(async () => {
  if (skip !== false) return;
  api = await startAuthApi({ "u1@localhost": "u1-pw", "u2@localhost": "u2-pw" });
  dir = mkdtempSync(join(tmpdir(), "xha-wmetrics-"));
});

after(async () => {
  if (skip !== false) return;
  await api.close();
  await dropSchema(schema);
  await dropPrefix(prefix);
  rmSync(dir, { recursive: true, force: true });
});

async function waitUntil(cond: () => boolean | Promise<boolean>, what: string, ms = 45_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/**
 * Checks the text is one valid exposition: every line a HELP, a TYPE or a sample; each family's HELP
 * and TYPE once, before its samples, and its samples together; no series twice. Returns the samples.
 */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  const described = new Set<string>();
  const typed = new Set<string>();
  const closed = new Set<string>();
  const series = new Set<string>();
  let current: string | undefined;
  for (const line of text.split("\n")) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta !== null) {
      const [, kind, family] = meta as unknown as [string, string, string];
      const seen = kind === "HELP" ? described : typed;
      assert.ok(!seen.has(family), `${kind} ${family} twice`);
      assert.ok(!closed.has(family), `${kind} ${family} after its samples ended`);
      seen.add(family);
      if (current !== family && current !== undefined) closed.add(current);
      current = family;
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m !== null, `not a sample line: ${JSON.stringify(line)}`);
    const [, name, rawLabels, value] = m as unknown as [string, string, string | undefined, string];
    assert.ok(
      current !== undefined && (name === current || /^_(bucket|sum|count)$/.test(name.slice(current.length))),
      `${name} is not under its family's HELP/TYPE (current: ${current})`,
    );
    assert.ok(name.startsWith(current));
    assert.ok(typed.has(current) && described.has(current), `${current} has no HELP or TYPE`);
    const labels: Record<string, string> = {};
    for (const l of (rawLabels ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]!] = l[2]!;
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    assert.ok(!series.has(key), `series twice: ${line}`);
    series.add(key);
    samples.push({ name, labels, value: Number(value) });
  }
  return samples;
}

/** One scrape on a new connection (no keep-alive), so the kernel picks a worker for each. */
async function scrape(httpPort: number): Promise<Sample[]> {
  const { status, type, body } = await new Promise<{ status: number; type: string; body: string }>(
    (resolve, reject) => {
      const req = get({ host: "127.0.0.1", port: httpPort, path: "/metrics", agent: false }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"] ?? "", body }),
        );
        res.on("error", reject);
      });
      req.on("error", reject);
    },
  );
  assert.equal(status, 200);
  assert.match(type, /^text\/plain; version=0\.0\.4/);
  return parseExposition(body.trimEnd());
}

const value = (samples: Sample[], name: string, node?: string) =>
  samples.find((s) => s.name === name && (node === undefined || s.labels.node === node))?.value;

test(
  "serve --workers 2: /metrics and the admin overview answer for both workers, and go on when one is killed",
  { skip, timeout: 150_000 },
  async () => {
    const [c2s, http, admin] = [await freePort(), await freePort(), await freePort()];
    const config = {
      ...nodeConfig({ schema, prefix, redis: REDIS_URL, authUrl: api.url }, "box"),
      interfaces: ["127.0.0.1"],
      c2s_ports: [c2s],
      c2s_direct_tls_ports: [],
      http_ports: [http],
      https_ports: [],
      data_path: dir,
      log_level: "info",
      admin: { port: admin },
    };
    const file = join(dir, "workers.toml");
    writeFileSync(file, stringify(config));
    const child: ChildProcess = spawn(
      process.execPath,
      ["--import", TSX, ENTRY, "serve", "--config", file, "--workers", "2"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
    const clients: ChatClient[] = [];
    try {
      await waitUntil(
        () => (out.match(/admin page listening/g) ?? []).length === 2,
        `both workers up:\n${out}`,
      );
      // Whichever worker answers, both are in the answer (once each has told the primary it is ready).
      await waitUntil(
        async () => value(await scrape(http), "xha_workers_answering") === 2,
        "both workers answering",
      );
      for (let i = 0; i < 6; i++) {
        const samples = await scrape(http);
        assert.equal(value(samples, "xha_workers"), 2);
        for (const node of ["box-w1", "box-w2"]) {
          assert.equal(value(samples, "xha_worker_up", node), 1, node);
          // Families without a node label of their own get one; those with one keep theirs.
          assert.equal(value(samples, "xha_c2s_sessions", node), 0, node);
          assert.equal(value(samples, "xha_cluster_redis_up", node), 1, node);
          assert.ok(
            samples.some((s) => s.name === "xha_http_auth_connections_open" && s.labels.node === node),
          );
        }
        for (const s of samples)
          if (!s.name.startsWith("xha_workers"))
            assert.ok(s.labels.node !== undefined, `${s.name} has a node`);
      }

      // Sessions, wherever they landed, add up in every answer.
      for (const u of ["u1", "u2"]) {
        const c = await ChatClient.login(c2s, u, `${u}-pw`);
        clients.push(c);
        await c.iq(xml("iq", { type: "get" }, xml("query", { xmlns: "jabber:iq:roster" })));
      }
      for (let i = 0; i < 6; i++) {
        const samples = await scrape(http);
        const total = samples.filter((s) => s.name === "xha_c2s_sessions").reduce((a, s) => a + s.value, 0);
        assert.equal(total, 2);
      }
      const res = await fetch(`http://127.0.0.1:${admin}/api/overview`, {
        headers: { "X-Admin-Token": "loopback" },
      });
      assert.equal(res.status, 200);
      const overview = (await res.json()) as {
        hosts: { name: string; sessions: number; health: { calls: number } }[];
        workers: { node: string; answered: boolean; hosts: { sessions: number }[] }[];
      };
      assert.deepEqual(
        overview.workers.map((w) => [w.node, w.answered]),
        [
          ["box-w1", true],
          ["box-w2", true],
        ],
      );
      assert.equal(overview.hosts[0]?.sessions, 2);
      assert.equal(
        overview.workers.reduce((a, w) => a + (w.hosts[0]?.sessions ?? 0), 0),
        2,
      );
      assert.ok((overview.hosts[0]?.health.calls ?? 0) >= 2, "both logins' auth calls are counted");

      // One worker killed: the other answers alone and says who is missing, until it is back.
      // The primary's children running the CLI (not, say, tsx's esbuild service).
      const workers = execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(child.pid)], {
        encoding: "utf8",
      })
        .split("\n")
        .filter((l) => l.includes(ENTRY))
        .map((l) => Number(l.trim().split(/\s+/)[0]));
      assert.equal(workers.length, 2);
      process.kill(workers[0]!, "SIGKILL");
      let down: string | undefined;
      await waitUntil(async () => {
        // A connection the dying worker had already accepted is reset: that scrape is lost, not the next.
        const samples = await scrape(http).catch(() => undefined);
        if (samples === undefined) return false;
        assert.equal(value(samples, "xha_workers"), 2);
        if (value(samples, "xha_workers_answering") !== 1) return false;
        down = samples.find((s) => s.name === "xha_worker_up" && s.value === 0)?.labels.node;
        return down !== undefined;
      }, "the survivor answering alone");
      assert.ok(down === "box-w1" || down === "box-w2");
      await waitUntil(
        async () => value(await scrape(http), "xha_workers_answering") === 2,
        "the restarted worker answering again",
      );
    } finally {
      for (const c of clients) {
        (c.xmpp as unknown as { reconnect?: { stop(): void } }).reconnect?.stop();
        await c.stop().catch(() => {});
      }
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
        child.kill("SIGTERM");
        assert.equal(await exited, 0);
      }
    }
  },
);
