// Prometheus text for a cluster node's /metrics: sessions here and cluster-wide, stanzas routed to
// and from other nodes, Redis round trip and reachability.
import type { ClusterDirectory } from "./cluster-directory.ts";

export function clusterMetrics(c: ClusterDirectory): string {
  const node = JSON.stringify(c.options.node);
  const latency = Number.isNaN(c.stats.redisLatency) ? "NaN" : c.stats.redisLatency.toFixed(6);
  return (
    "# HELP xha_cluster_sessions Bound client sessions on every node, as this node sees them.\n" +
    "# TYPE xha_cluster_sessions gauge\n" +
    `xha_cluster_sessions{node=${node}} ${c.clusterCount}\n` +
    "# HELP xha_cluster_routed_total Stanzas sent to (out) and received from (in) other nodes.\n" +
    "# TYPE xha_cluster_routed_total counter\n" +
    `xha_cluster_routed_total{node=${node},direction="out"} ${c.stats.routedOut}\n` +
    `xha_cluster_routed_total{node=${node},direction="in"} ${c.stats.routedIn}\n` +
    "# HELP xha_cluster_redis_latency_seconds Round trip of the last lease renewal.\n" +
    "# TYPE xha_cluster_redis_latency_seconds gauge\n" +
    `xha_cluster_redis_latency_seconds{node=${node}} ${latency}\n` +
    "# HELP xha_cluster_redis_up 1 while Redis answers this node.\n# TYPE xha_cluster_redis_up gauge\n" +
    `xha_cluster_redis_up{node=${node}} ${c.up ? 1 : 0}\n` +
    "# HELP xha_cluster_accepting_logins 0 once the node's lease may have lapsed.\n" +
    "# TYPE xha_cluster_accepting_logins gauge\n" +
    `xha_cluster_accepting_logins{node=${node}} ${c.acceptingLogins ? 1 : 0}\n`
  );
}
