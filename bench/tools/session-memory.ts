// Memory per idle authenticated session, measured in-process: our server runs here (so the V8 heap
// can be read and snapshotted), the bench auth API in its own process, and the clients in a child
// process (so their sockets and buffers are not counted). Prints bytes/session for heapUsed,
// heapTotal, external and RSS after a forced GC, the difference between N open sessions and none.
//   node --import tsx bench/tools/session-memory.ts [--sessions 2000] [--source] [--log-level info] [--snapshot FILE]
// By default the server is the compiled build (bench/lib/build.ts); --source runs src/ through tsx.
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { setFlagsFromString, writeHeapSnapshot } from "node:v8";
import { runInNewContext } from "node:vm";
import { buildServer } from "../lib/build.ts";
import { login, type Session } from "../load/xmpp-login.ts";
import type * as ConfigLoad from "../../src/config/load.ts";
import type * as Log from "../../src/log.ts";
import type * as Server from "../../src/server.ts";

const BATCH = 100;
const SETTLE_MS = 2000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The child: opens `count` sessions in batches, reports, and keeps them until its parent says so. */
async function client(port: number, count: number): Promise<void> {
  const target = { port, domain: "http.test", starttls: false, stepTimeoutMs: 30_000 };
  for (let i = 0; i < 20; i++) await (await login(target, "warm", "secret", `w${i}`)).close();
  process.send?.({ warm: true });
  await once(process, "message");
  const sessions: Session[] = [];
  let failed = 0;
  while (sessions.length + failed < count) {
    const n = Math.min(BATCH, count - sessions.length - failed);
    const base = sessions.length + failed;
    const batch = await Promise.allSettled(
      Array.from({ length: n }, (_, i) => login(target, `u${base + i}`, "secret", `m${base + i}`)),
    );
    for (const b of batch) {
      if (b.status === "fulfilled") sessions.push(b.value);
      else failed++;
    }
  }
  process.send?.({ open: sessions.length, failed });
  await once(process, "message");
  for (const s of sessions) s.destroy();
  process.exit(0);
}

function gcNow(): void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  gc();
}

function sample(): NodeJS.MemoryUsage {
  gcNow();
  return process.memoryUsage();
}

interface ServerModules {
  parseServerConfig: typeof ConfigLoad.parseServerConfig;
  createLogger: typeof Log.createLogger;
  createXmppServer: typeof Server.createXmppServer;
}

/** The server from source (through tsx) or from a compiled tree (what `npm run build` produces). */
async function serverModules(dist: string | undefined): Promise<ServerModules> {
  const at = (m: string): string =>
    dist === undefined ? `../../src/${m}.ts` : pathToFileURL(join(dist, `${m}.js`)).href;
  const [config, log, server] = await Promise.all([
    import(at("config/load")) as Promise<typeof ConfigLoad>,
    import(at("log")) as Promise<typeof Log>,
    import(at("server")) as Promise<typeof Server>,
  ]);
  return { ...config, ...log, ...server };
}

async function server(opts: {
  sessions: number;
  logLevel: string;
  snapshot?: string;
  source: boolean;
}): Promise<void> {
  const runDir = mkdtempSync(join(tmpdir(), "xha-mem-"));
  const dataPath = join(runDir, "data");
  const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
  const dist = opts.source ? undefined : buildServer(repoRoot, runDir);
  // Imported here so that the client child does not load the server.
  const { parseServerConfig, createLogger, createXmppServer } = await serverModules(dist);
  const { startApi } = await import("../targets/api.ts");
  const api = await startApi("api-memory");
  const config = parseServerConfig(
    {
      interfaces: ["127.0.0.1"],
      c2s_ports: [0],
      c2s_direct_tls_ports: [],
      c2s_require_encryption: false,
      allow_unencrypted_plain_auth: true,
      data_path: dataPath,
      hosts: { "http.test": { authentication: "http", http_auth_url: api.url } },
    },
    "session-memory.toml",
  );
  // Log lines are produced and formatted as in production, then dropped.
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const logger = createLogger({ level: opts.logLevel as "info", destination: sink });
  const xmpp = createXmppServer({ config, logger });
  await xmpp.start();
  const port = xmpp.listeners.find((l) => l.kind === "c2s")?.address.port ?? 0;
  const child = fork(
    fileURLToPath(import.meta.url),
    ["--client", String(port), "--sessions", String(opts.sessions)],
    {
      execArgv: ["--import", "tsx"],
    },
  );
  try {
    await once(child, "message");
    await sleep(SETTLE_MS);
    const before = sample();
    child.send("open");
    const [result] = (await once(child, "message")) as [{ open: number; failed: number }];
    await sleep(SETTLE_MS);
    const after = sample();
    const n = result.open;
    const per = (k: keyof NodeJS.MemoryUsage): string => ((after[k] - before[k]) / n).toFixed(0).padStart(7);
    const from = opts.source ? "src/ through tsx" : "compiled";
    console.log(`${n} idle sessions (${result.failed} failed logins), ${from}, log level ${opts.logLevel}`);
    console.log(`bytes/session  heapUsed ${per("heapUsed")}  heapTotal ${per("heapTotal")}`);
    console.log(
      `               external ${per("external")}  arrayBuffers ${per("arrayBuffers")}  rss ${per("rss")}`,
    );
    if (opts.snapshot !== undefined) console.log(`heap snapshot: ${writeHeapSnapshot(opts.snapshot)}`);
    child.send("close");
    await once(child, "exit");
  } finally {
    child.kill();
    await xmpp.stop();
    await api.stop();
    rmSync(runDir, { recursive: true, force: true });
  }
}

const { values } = parseArgs({
  options: {
    sessions: { type: "string", default: "2000" },
    "log-level": { type: "string", default: "info" },
    snapshot: { type: "string" },
    source: { type: "boolean", default: false },
    client: { type: "string" },
  },
});
const sessions = Number(values.sessions);
if (values.client !== undefined) await client(Number(values.client), sessions);
else
  await server({ sessions, logLevel: values["log-level"], snapshot: values.snapshot, source: values.source });
