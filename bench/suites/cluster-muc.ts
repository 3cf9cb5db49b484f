// Suite `cluster-muc`: one MUC room on a cluster of two nodes, owned by node a, with occupants on both
// nodes (default 20, half on each; XHA_BENCH_CLUSTER_MUC_OCCUPANTS). Groupchat messages with 32 in
// flight ahead of the slowest occupant, sent by an occupant on the owning node and by one on the other
// node (each stanza forwarded through Redis to the owner): deliveries/s and their ratio, the cost of
// forwarding. Needs PostgreSQL and Redis (as the `cluster` suite; a schema and key prefix of its own).
import { join } from "node:path";
import { BENCH_PG, BENCH_REDIS, clusterServicesMissing, removeClusterData } from "../lib/cluster-nodes.ts";
import { startApi } from "../targets/api.ts";
import { startOurs } from "../targets/ours.ts";
import { SkipError, type Target } from "../targets/target.ts";
import { login, type Session } from "../load/xmpp-login.ts";
import { fanout } from "../load/muc-fanout.ts";
import type { Suite, SuiteContext } from "./suite.ts";

const PG = BENCH_PG;
const REDIS = BENCH_REDIS;
const DOMAIN = "http.test";
const ROOM = `bench@conference.${DOMAIN}`;
const WINDOW = 32;
const SELF_PRESENCE = /<presence\b[^>]*>(?:(?!<\/presence>)[\s\S])*?code=["']110["'][\s\S]*?<\/presence>/;
const IQ_END = /<iq[^>]*\/>|<\/iq>/;

function occupantCount(): number {
  const n = Number(process.env.XHA_BENCH_CLUSTER_MUC_OCCUPANTS ?? "20");
  if (!Number.isInteger(n) || n < 2 || n > 2000)
    throw new Error("XHA_BENCH_CLUSTER_MUC_OCCUPANTS must be 2 to 2000");
  return n;
}

/** Occupant i logs in on node a when even, on node b when odd; occupant 0 (on a) creates the room. */
async function fill(a: Target, b: Target, n: number): Promise<Session[]> {
  const occupants: Session[] = [];
  for (let i = 0; i < n; i++) {
    const t = i % 2 === 0 ? a : b;
    const { user, password } = t.credentials(i, 0);
    const s = await login(
      { port: t.port, domain: DOMAIN, starttls: false, stepTimeoutMs: 30_000 },
      user,
      password,
      `r${i}`,
    );
    occupants.push(s);
    s.send(
      `<presence to='${ROOM}/n${i}'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`,
    );
    await s.waitFor(SELF_PRESENCE, 30_000);
    if (i > 0) continue;
    // XEP-0045 §10.1.2: an instant room.
    s.send(
      `<iq type='set' id='cfg' to='${ROOM}'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>`,
    );
    const r = await s.waitFor(IQ_END, 30_000);
    if (!/type=["']result["']/.test(r)) throw new Error(`room configuration failed: ${r}`);
  }
  return occupants;
}

async function measure(ctx: SuiteContext, a: Target, b: Target, n: number): Promise<void> {
  ctx.progress.phase(`cluster-muc: ${n} occupants entering a room on two nodes`);
  const occupants = await fill(a, b, n);
  ctx.progress.done();
  const kase = `${n} occupants, half per node`;
  const room = (first: number) => ({
    jid: ROOM,
    occupants: [occupants[first]!, ...occupants.filter((_, i) => i !== first)],
    close: async () => {},
  });
  try {
    for (let r = 0; r < ctx.rounds; r++) {
      ctx.progress.phase(`cluster-muc round ${r + 1}/${ctx.rounds}`);
      const owner = await fanout(room(0), ctx.durationMs, WINDOW);
      const other = await fanout(room(1), ctx.durationMs, WINDOW);
      ctx.progress.done();
      ctx.results.add(
        "cluster-muc",
        kase,
        "sender on the owner",
        "deliveries/s",
        "1/s",
        owner.deliveriesPerS,
      );
      ctx.results.add(
        "cluster-muc",
        kase,
        "sender on the other node",
        "deliveries/s",
        "1/s",
        other.deliveriesPerS,
      );
      if (owner.deliveriesPerS > 0)
        ctx.results.ratio(
          "cluster-muc",
          kase,
          "deliveries/s other ÷ owner",
          true,
          other.deliveriesPerS / owner.deliveriesPerS,
        );
    }
  } finally {
    await Promise.allSettled(occupants.map((s) => s.close()));
  }
}

export const clusterMucSuite: Suite = {
  name: "cluster-muc",
  summary: "a MUC room on two cluster nodes: deliveries/s, sender on the owning node vs the other",
  async run(ctx) {
    const missing = await clusterServicesMissing();
    if (missing !== undefined) throw new SkipError(missing);
    const n = occupantCount();
    const schema = `xha_bench_muc_${process.pid}`;
    const prefix = `xhabench-muc-${process.pid}`;
    const api = await startApi("api-cluster-muc");
    const targets: Target[] = [];
    const start = (node: string) =>
      startOurs({
        repoRoot: ctx.repoRoot,
        runDir: join(ctx.runDir, `muc-${node}`),
        hosts: [{ domain: DOMAIN, apiUrl: api.url }],
        starttls: false,
        nofile: n * 2 + 256,
        extraToml: [
          "http_ports = []",
          "https_ports = []",
          'storage = "sql"',
          `sql = ${JSON.stringify(`${PG}?schema=${schema}`)}`,
          "",
          `[components."conference.${DOMAIN}"]`,
          'module = "muc"',
        ],
        cluster: { redis: REDIS, prefix, node },
        label: `node ${node}`,
      }).then((t) => (targets.push(t), t));
    try {
      const a = await start("a");
      const b = await start("b");
      await measure(ctx, a, b, n);
    } finally {
      await Promise.allSettled(targets.map((t) => t.stop()));
      await api.stop();
      await removeClusterData(schema, prefix);
    }
  },
};
