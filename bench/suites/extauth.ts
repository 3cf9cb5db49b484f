// Suite `extauth`: requests/s and latency through `xmpp-http-auth extauth` (the compiled CLI, frames on
// a pipe as ejabberd sends them) next to the bare HTTP provider in this process, against the same
// fast API. Cases: one request at a time (the added latency of the bridge), 16 pipelined on one
// process, and 4 processes with one request each (ejabberd's extauth_pool_size = 4). Then an API
// that takes 100 ms, 16 pipelined on one process: answered in order, the calls must still overlap
// (ideal 160 requests/s; one call at a time would give 10).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startApi } from "../targets/api.ts";
import { compiledEntry } from "../targets/ours.ts";
import { startChild, type Child } from "../lib/children.ts";
import type { Suite } from "./suite.ts";

const DOMAIN = "extauth.test";
const REQUEST = (() => {
  const body = Buffer.from(`auth:u1:${DOMAIN}:secret`);
  return Buffer.concat([Buffer.from([body.length >> 8, body.length & 0xff]), body]);
})();

interface Rate {
  readonly perS: number;
  readonly meanMs: number;
  readonly failed: number;
}

/** Keeps `window` requests in flight on one bridge process for `ms`; answers come back in order. */
async function drive(
  child: Child,
  window: number,
  ms: number,
): Promise<{ ok: number; failed: number; latencySum: number }> {
  const stdin = child.proc.stdin;
  const stdout = child.proc.stdout;
  if (stdin === null || stdout === null) throw new Error("the bridge has no pipes");
  const sent: number[] = [];
  let ok = 0;
  let failed = 0;
  let latencySum = 0;
  let held = Buffer.alloc(0);
  const deadline = performance.now() + ms;
  return new Promise((resolve) => {
    const send = () => {
      sent.push(performance.now());
      stdin.write(REQUEST);
    };
    const onData = (chunk: Buffer) => {
      held = Buffer.concat([held, chunk]);
      while (held.length >= 4) {
        const yes = held.readUInt16BE(2) === 1;
        held = held.subarray(4);
        latencySum += performance.now() - (sent.shift() ?? 0);
        if (yes) ok++;
        else failed++;
        if (performance.now() < deadline) send();
        else if (sent.length === 0) {
          stdout.off("data", onData);
          resolve({ ok, failed, latencySum });
        }
      }
    };
    stdout.on("data", onData);
    for (let i = 0; i < window; i++) send();
  });
}

async function bridgeRate(children: Child[], window: number, ms: number): Promise<Rate> {
  const t0 = performance.now();
  const parts = await Promise.all(children.map((c) => drive(c, window, ms)));
  const seconds = (performance.now() - t0) / 1000;
  const ok = parts.reduce((a, p) => a + p.ok, 0);
  const failed = parts.reduce((a, p) => a + p.failed, 0);
  const latency = parts.reduce((a, p) => a + p.latencySum, 0);
  return { perS: ok / seconds, meanMs: latency / Math.max(1, ok + failed), failed };
}

async function providerRate(check: () => Promise<boolean>, concurrency: number, ms: number): Promise<Rate> {
  let ok = 0;
  let failed = 0;
  let latency = 0;
  const t0 = performance.now();
  const deadline = t0 + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const s = performance.now();
        if (await check().catch(() => false)) ok++;
        else failed++;
        latency += performance.now() - s;
      }
    }),
  );
  return { perS: ok / ((performance.now() - t0) / 1000), meanMs: latency / Math.max(1, ok + failed), failed };
}

const SLOW_MS = 100;
const SLOW_WINDOW = 16;

/** Head-of-line blocking, measured: pipelined requests on one process against a slow API. */
async function slowApiCase(ctx: Parameters<Suite["run"]>[0], entry: string): Promise<void> {
  const api = await startApi("api-extauth-slow", { delayMs: SLOW_MS });
  const config = join(ctx.runDir, "extauth-slow.toml");
  writeFileSync(config, `log_level = "warn"\n[hosts."${DOMAIN}"]\nhttp_auth_url = "${api.url}"\n`);
  const child = startChild("extauth-slow", process.execPath, [entry, "extauth", "--config", config], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const kase = `API ${SLOW_MS} ms, ${SLOW_WINDOW} pipelined on 1 process`;
  try {
    await drive(child, 1, 0);
    for (let r = 0; r < ctx.rounds; r++) {
      ctx.progress.phase(`extauth ${kase} round ${r + 1}/${ctx.rounds}`);
      const b = await bridgeRate([child], SLOW_WINDOW, ctx.durationMs);
      const ideal = SLOW_WINDOW / (SLOW_MS / 1000);
      ctx.results.add("extauth", kase, "bridge", "requests/s", "req/s", b.perS);
      ctx.results.add("extauth", kase, "bridge", "mean latency", "ms", b.meanMs);
      ctx.results.ratio(
        "extauth",
        kase,
        `requests/s ÷ ideal ${ideal} (serialised: ${1000 / SLOW_MS})`,
        true,
        b.perS / ideal,
      );
    }
  } finally {
    child.proc.stdin?.end();
    await child.stop();
    await api.stop();
  }
}

const CASES = [
  { name: "1 process, 1 at a time", processes: 1, window: 1 },
  { name: "1 process, 16 pipelined", processes: 1, window: 16 },
  { name: "4 processes, 1 each (extauth_pool_size = 4)", processes: 4, window: 1 },
] as const;

export const extauthSuite: Suite = {
  name: "extauth",
  summary: "the ejabberd extauth bridge: requests/s and added latency over the bare HTTP provider",
  async run(ctx) {
    const api = await startApi("api-extauth");
    const config = join(ctx.runDir, "extauth.toml");
    writeFileSync(config, `log_level = "warn"\n[hosts."${DOMAIN}"]\nhttp_auth_url = "${api.url}"\n`);
    const entry = compiledEntry(ctx.repoRoot, ctx.runDir);
    const providerMod = (await import(
      pathToFileURL(join(ctx.repoRoot, "src/auth/http/provider.ts")).href
    )) as {
      createHttpProvider: (o: Record<string, unknown>) => {
        checkPassword(u: string, p: string): Promise<{ outcome: string }>;
        close(): Promise<void>;
      };
    };
    const log = (await import(pathToFileURL(join(ctx.repoRoot, "src/log.ts")).href)) as {
      silentLogger: () => unknown;
    };
    const provider = providerMod.createHttpProvider({
      url: api.url,
      host: DOMAIN,
      logger: log.silentLogger(),
    });
    const check = async () => (await provider.checkPassword("u1", "secret")).outcome === "ok";
    const children: Child[] = [];
    try {
      for (let i = 0; i < 4; i++) {
        const c = startChild(`extauth-${i}`, process.execPath, [entry, "extauth", "--config", config], {
          stdio: ["pipe", "pipe", "pipe"],
        });
        children.push(c);
      }
      // Ready when a request is answered.
      await Promise.all(children.map((c) => drive(c, 1, 0)));
      await providerRate(check, 4, 300);
      for (let r = 0; r < ctx.rounds; r++) {
        for (const k of CASES) {
          ctx.progress.phase(`extauth ${k.name} round ${r + 1}/${ctx.rounds}`);
          const b = await bridgeRate(children.slice(0, k.processes), k.window, ctx.durationMs);
          const p = await providerRate(check, k.processes * k.window, ctx.durationMs);
          ctx.results.add("extauth", k.name, "bridge", "requests/s", "req/s", b.perS);
          ctx.results.add("extauth", k.name, "bare provider", "requests/s", "req/s", p.perS);
          ctx.results.add("extauth", k.name, "bridge", "mean latency", "ms", b.meanMs);
          ctx.results.add("extauth", k.name, "bare provider", "mean latency", "ms", p.meanMs);
          ctx.results.add("extauth", k.name, "bridge − provider", "added latency", "ms", b.meanMs - p.meanMs);
          ctx.results.ratio("extauth", k.name, "requests/s bridge ÷ bare provider", true, b.perS / p.perS);
          if (b.failed + p.failed > 0)
            ctx.outcome.notes.push(
              `${k.name} round ${r + 1}: ${b.failed} bridge / ${p.failed} provider failures`,
            );
        }
      }
      await slowApiCase(ctx, entry);
    } finally {
      for (const c of children) c.proc.stdin?.end(); // EOF: the bridge exits by itself
      await Promise.all(children.map((c) => c.stop()));
      await provider.close();
      await api.stop();
    }
  },
};
