// Suite `muc-fanout`: one room with N occupants (default 1,000; XHA_BENCH_MUC_OCCUPANTS), each a real
// client connection; one occupant sends groupchat messages with 32 in flight ahead of the slowest
// occupant; messages delivered per second to all occupants, ours against Prosody's mod_muc with the
// same load generator (bench/load/muc-fanout.ts). Prosody authenticates with its own store (one
// account, one resource per occupant); ours with the bench's fast HTTP API (one account per occupant):
// logins are done before the measurement, which covers only the fan-out.
import { join } from "node:path";
import { startApi } from "../targets/api.ts";
import { startOurs } from "../targets/ours.ts";
import { startProsody } from "../targets/prosody.ts";
import type { Target } from "../targets/target.ts";
import { fanout, fillRoom } from "../load/muc-fanout.ts";
import type { Suite, SuiteContext } from "./suite.ts";

const WINDOW = 32;

function occupantCount(): number {
  const n = Number(process.env.XHA_BENCH_MUC_OCCUPANTS ?? "1000");
  if (!Number.isInteger(n) || n < 2 || n > 5000) throw new Error("XHA_BENCH_MUC_OCCUPANTS must be 2 to 5000");
  return n;
}

async function measure(ctx: SuiteContext, t: Target, n: number): Promise<number[]> {
  ctx.progress.phase(`muc-fanout: ${n} occupants entering a room on ${t.label}`);
  const room = await fillRoom(
    {
      port: t.port,
      domain: t.domain,
      starttls: false,
      stepTimeoutMs: 30_000,
      room: `fanout@conference.${t.domain}`,
      credentials: (i) => t.credentials(i, 0),
    },
    n,
    (joined) => ctx.progress.status(`${joined}/${n} joined`),
  );
  ctx.progress.done();
  const rates: number[] = [];
  try {
    for (let r = 0; r < ctx.rounds; r++) {
      ctx.progress.phase(`muc-fanout ${t.label} round ${r + 1}/${ctx.rounds}`);
      const m = await fanout(room, ctx.durationMs, WINDOW);
      ctx.progress.done();
      const kase = `${n} occupants`;
      ctx.results.add("muc-fanout", kase, t.label, "deliveries/s", "1/s", m.deliveriesPerS);
      ctx.results.add("muc-fanout", kase, t.label, "room msgs/s", "1/s", m.messagesPerS);
      rates.push(m.deliveriesPerS);
    }
  } finally {
    await room.close();
  }
  return rates;
}

export const mucFanoutSuite: Suite = {
  name: "muc-fanout",
  summary: "a room of 1,000 occupants: messages delivered per second, ours vs Prosody mod_muc",
  async run(ctx) {
    const n = occupantCount();
    const api = await startApi("api-muc");
    const targets: Target[] = [];
    try {
      const ours = await startOurs({
        repoRoot: ctx.repoRoot,
        runDir: join(ctx.runDir, "ours"),
        hosts: [{ domain: "http.test", apiUrl: api.url }],
        starttls: false,
        nofile: n * 2 + 256,
        extraToml: [
          "http_ports = []",
          "https_ports = []",
          "",
          '[components."conference.http.test"]',
          'module = "muc"',
        ],
      });
      targets.push(ours);
      const oursRates = await measure(ctx, ours, n);
      await ours.stop();
      targets.pop();
      const prosody = await startProsody({
        runDir: join(ctx.runDir, "prosody"),
        apiUrl: api.url,
        modDir: undefined,
        starttls: false,
        extraConfig: ['Component "conference.internal.test" "muc"'],
      });
      targets.push(prosody);
      const theirs = await measure(ctx, prosody, n);
      for (const [i, v] of oursRates.entries()) {
        const p = theirs[i];
        if (p !== undefined && p > 0)
          ctx.results.ratio("muc-fanout", `${n} occupants`, "deliveries/s ours ÷ prosody", true, v / p);
      }
      ctx.outcome.notes.push(
        "Prosody uses its internal store (one account, a resource per occupant); ours the fast API: logins precede the measurement",
      );
    } finally {
      await Promise.allSettled(targets.map((t) => t.stop()));
      await api.stop();
    }
  },
};
