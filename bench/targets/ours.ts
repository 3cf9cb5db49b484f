// Our server as a child process, compiled from the working tree into the run dir (bench/lib/build.ts:
// what `npm run build` ships, without tsx's per-closure cost; a half-built dist/ of the shared
// checkout cannot skew a run), or from source through tsx with `fromSource`.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildServer } from "../lib/build.ts";
import { startChild } from "../lib/children.ts";
import { freePort, waitForPort } from "../lib/net-util.ts";
import { SkipError, type Target } from "./target.ts";

export interface OursHost {
  readonly domain: string;
  readonly apiUrl: string;
  /** Seconds; the server's default when absent. */
  readonly timeoutS?: number;
  /** More per-host options, written as `key = value` (e.g. the auth cache's TTLs). */
  readonly extra?: Readonly<Record<string, number | boolean | string>>;
}

export interface OursOptions {
  readonly repoRoot: string;
  readonly runDir: string;
  readonly hosts: readonly OursHost[];
  readonly starttls: boolean;
  /** File descriptors the child may open (memory suite: one per session plus API connections). */
  readonly nofile?: number;
  /** Run src/ through tsx instead of the compiled build. */
  readonly fromSource?: boolean;
  /** Extra node options (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[];
  /** Extra top-level TOML lines (storage) and a [cluster] table, for the cluster suite. */
  readonly extraToml?: readonly string[];
  readonly cluster?: { readonly redis: string; readonly prefix: string; readonly node: string };
  /** `serve --workers N` (default 1). */
  readonly workers?: number;
  /** Label in the results (default "ours"). */
  readonly label?: string;
}

// One build per bench process and working tree: every suite measures the same code.
const builds = new Map<string, string>();

/** The CLI entry of a compiled build of the working tree (made once per run). */
export function compiledEntry(repoRoot: string, runDir: string): string {
  let entry = builds.get(repoRoot);
  if (entry === undefined) {
    const dir = join(runDir, "build");
    entry = join(buildServer(repoRoot, dir), "cli", "entry.js");
    builds.set(repoRoot, entry);
  }
  return entry;
}

export function oursMissing(repoRoot: string): string | undefined {
  const serve = join(repoRoot, "src", "cli", "serve.ts");
  return existsSync(serve) ? undefined : "our server is not written yet (src/cli/serve.ts missing)";
}

function toml(port: number, opts: OursOptions): string {
  const lines = [
    'interfaces = ["127.0.0.1"]',
    `c2s_ports = [${port}]`,
    "c2s_direct_tls_ports = []",
    `c2s_require_encryption = ${opts.starttls}`,
    "allow_unencrypted_plain_auth = true",
    `data_path = ${JSON.stringify(join(opts.runDir, "data"))}`,
    // Prosody in the bench logs at info too (three lines per login): like with like.
    'log_level = "info"',
    // The per-address login limit counts checks in flight, and every bench client is 127.0.0.1;
    // Prosody runs without mod_limit_auth here, so ours runs without its limit: like with like.
    "limit_auth_max = 0",
    // Nor mod_limits: one bench client sends far more than 10 KiB/s, and a rate would measure itself.
    "limits = { c2s = false }",
    ...(opts.extraToml ?? []),
  ];
  for (const h of opts.hosts) {
    lines.push("", `[hosts.${JSON.stringify(h.domain)}]`, 'authentication = "http"');
    lines.push(`http_auth_url = ${JSON.stringify(h.apiUrl)}`);
    if (h.timeoutS !== undefined) lines.push(`http_auth_timeout = ${h.timeoutS}`);
    for (const [k, v] of Object.entries(h.extra ?? {})) lines.push(`${k} = ${JSON.stringify(v)}`);
  }
  const c = opts.cluster;
  if (c !== undefined)
    lines.push(
      "",
      "[cluster]",
      `redis = ${JSON.stringify(c.redis)}`,
      `prefix = ${JSON.stringify(c.prefix)}`,
      `node = ${JSON.stringify(c.node)}`,
    );
  return lines.join("\n") + "\n";
}

export async function startOurs(opts: OursOptions): Promise<Target> {
  const missing = oursMissing(opts.repoRoot);
  if (missing !== undefined) throw new SkipError(missing);
  mkdirSync(join(opts.runDir, "data"), { recursive: true });
  const port = await freePort();
  const config = join(opts.runDir, "server.toml");
  writeFileSync(config, toml(port, opts));
  const nofile = opts.nofile ?? 4096;
  // `ulimit -n` in a shell that then execs node: the limit is the child's, not the bench's.
  const entry = opts.fromSource
    ? ["--import", "tsx", "src/cli/entry.ts"]
    : [compiledEntry(opts.repoRoot, opts.runDir)];
  const child = startChild(
    "ours",
    "bash",
    [
      "-c",
      `ulimit -n ${nofile} 2>/dev/null || true; exec "$@"`,
      "bash",
      process.execPath,
      ...(opts.nodeArgs ?? []),
      ...entry,
      "serve",
      "--config",
      config,
      ...(opts.workers === undefined ? [] : ["--workers", String(opts.workers)]),
    ],
    { cwd: opts.repoRoot, env: { ...process.env, NODE_ENV: "production" } },
  );
  const ok = await waitForPort(port, 30_000, () => child.proc.exitCode === null);
  if (!ok) {
    const out = child.output().trim().split("\n").slice(-8).join("\n");
    await child.stop();
    throw new Error(`our server did not open port ${port} (config ${config}):\n${out}`);
  }
  const first = opts.hosts[0];
  if (first === undefined) throw new Error("startOurs needs a host");
  return {
    label: opts.label ?? (opts.starttls ? "ours (starttls)" : "ours"),
    port,
    domain: first.domain,
    pid: child.pid,
    credentials: (w) => ({ user: `u${w}`, password: "secret" }),
    stop: () => child.stop(),
  };
}
