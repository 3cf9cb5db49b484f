// Two hostile-client measurements (issue 10, defects 1 and 3), run on demand, not in `npm test`:
//   depth: how long the event loop is blocked by one stream of N nested elements, and the latency of
//          a normal login while 4 connections send `--kib` KiB of nesting at once;
//   flood: heap growth of the server while a logged-in client sends `--messages` messages to
//          unknown users whose `user_exists` call never returns.
//   node --import tsx bench/tools/hostile-streams.ts [--only depth|flood] [--depths 10000,20000]
//        [--kib 250] [--messages 80000]
// The server runs in this process (its heap is the one measured); the flooding client is a child
// process, so its own buffers are not counted.
import { fork } from "node:child_process";
import { connect } from "node:net";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { startAuthApi } from "../../test/helpers/auth-api.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../../test/helpers/raw-client.ts";
import { startServer } from "../../test/helpers/xmpp-server.ts";

const HEADER =
  "<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function gcNow(): void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  gc();
}

/** The child: logs in, then writes the flood as fast as the server reads it. */
async function flooder(port: number, count: number): Promise<void> {
  const c = await RawClient.connect(port);
  c.open();
  await c.waitFor("</stream:features>");
  await c.login("alice", "pw");
  process.send?.({ loggedIn: true });
  await new Promise((r) => process.once("message", r));
  let out = "";
  for (let i = 0; i < count; i++) {
    out += `<message to='nobody${i}@localhost' type='chat' id='m${i}'><body>hello number ${i}</body></message>`;
    if (out.length > 64 * 1024) {
      c.write(out);
      out = "";
    }
  }
  c.write(out);
  process.send?.({ written: true });
  await new Promise((r) => process.once("message", r));
  process.exit(0);
}

async function loginMs(port: number): Promise<number> {
  const started = performance.now();
  const c = await RawClient.connect(port);
  c.open();
  await c.waitFor("</stream:features>", 300_000);
  await c.login("bob", "pw");
  c.destroy();
  return performance.now() - started;
}

async function depth(depths: number[], kib: number): Promise<void> {
  const api = await startAuthApi({ "bob@localhost": "pw" });
  const srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    hosts: {
      localhost: {
        http_auth_url: api.url,
        allow_unencrypted_plain_auth: true,
        c2s_require_encryption: false,
      },
    },
  });
  try {
    for (const n of depths) {
      const h = monitorEventLoopDelay({ resolution: 10 });
      h.enable();
      const s = connect(srv.port, "127.0.0.1");
      s.on("error", () => {});
      s.resume();
      const started = performance.now();
      s.write(HEADER + "<iq type='get' id='x'>" + "<a>".repeat(n));
      const closed = new Promise((r) => s.once("close", r));
      await Promise.race([closed, sleep(Math.max(3000, n / 100))]);
      await sleep(200);
      h.disable();
      s.destroy();
      console.log(
        `depth ${n}: longest event-loop stall ${(h.max / 1e6).toFixed(0)} ms, ${(performance.now() - started).toFixed(0)} ms until closed or given up`,
      );
    }
    const base: number[] = [];
    for (let i = 0; i < 5; i++) base.push(await loginMs(srv.port));
    base.sort((a, b) => a - b);
    const nesting = Math.floor((kib * 1024) / 3);
    const payload = HEADER + "<iq type='get' id='x'>" + "<a>".repeat(nesting);
    const during: number[] = [];
    for (let round = 0; round < 3; round++) {
      const attackers = Array.from({ length: 4 }, () => connect(srv.port, "127.0.0.1"));
      for (const a of attackers) {
        a.on("error", () => {});
        a.resume();
        a.write(payload);
      }
      during.push(await loginMs(srv.port));
      for (const a of attackers) a.destroy();
    }
    during.sort((a, b) => a - b);
    console.log(
      `login: median of 5 ${base[2]?.toFixed(1)} ms alone; median of 3 ${during[1]?.toFixed(1)} ms (all: ${during.map((d) => d.toFixed(0)).join(", ")}) while 4 connections send ${kib} KiB of nesting`,
    );
  } finally {
    await srv.stop();
    await api.close();
  }
}

async function flood(count: number): Promise<void> {
  const api = await startAuthApi({ "alice@localhost": "pw" });
  const srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    log_level: "info",
    hosts: {
      localhost: {
        http_auth_url: api.url,
        http_auth_timeout: 300,
        allow_unencrypted_plain_auth: true,
        c2s_require_encryption: false,
      },
    },
  });
  const child = fork(new URL(import.meta.url).pathname, ["--child", String(srv.port), String(count)], {
    execArgv: ["--import", "tsx"],
  });
  const next = (): Promise<unknown> => new Promise((r) => child.once("message", r));
  try {
    await next();
    api.fault = "hang";
    gcNow();
    const before = process.memoryUsage();
    const requestsBefore = api.requests.length;
    child.send("go");
    await next();
    // Let the server read what it will (it stops when it applies backpressure).
    await sleep(10_000);
    gcNow();
    const after = process.memoryUsage();
    const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
    console.log(
      `flood of ${count} messages: heapUsed +${mb(after.heapUsed - before.heapUsed)} MB, rss +${mb(after.rss - before.rss)} MB, API calls ${api.requests.length - requestsBefore}`,
    );
    child.send("stop");
  } finally {
    child.kill();
    api.fault = "none";
    await srv.stop().catch(() => {});
    await api.close();
  }
}

const args = process.argv.slice(2);
if (args[0] === "--child") {
  await flooder(Number(args[1]), Number(args[2]));
} else {
  const { values } = parseArgs({
    options: {
      only: { type: "string" },
      depths: { type: "string", default: "10000,20000" },
      kib: { type: "string", default: "250" },
      messages: { type: "string", default: "80000" },
    },
  });
  if (values.only !== "flood") await depth(values.depths.split(",").map(Number), Number(values.kib));
  if (values.only !== "depth") await flood(Number(values.messages));
  process.exit(0);
}
