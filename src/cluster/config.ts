// The [cluster] table: several server processes (nodes) sharing live sessions through Redis, with
// PostgreSQL as their shared store. Without the table nothing changes and Redis is never touched.
import { hostname } from "node:os";
import * as v from "../config/validators.ts";

export interface ClusterOptions {
  /** redis:// or rediss:// URL of the Redis that holds the session registry and carries routing. */
  readonly redis: string;
  /** This node's name, unique in the cluster. */
  readonly node: string;
  /** Prefix of every Redis key and channel, so clusters (or test runs) can share one Redis. */
  readonly prefix: string;
  /** Seconds a node's registration outlives its last renewal (renewed every third of it). */
  readonly lease: number;
}

interface Spec<T> {
  readonly check: v.Check<T>;
  readonly default: T | undefined;
  readonly doc: string;
}

const redisUrl: v.Check<string> = (x) => {
  if (typeof x !== "string") return { ok: false, message: 'must be a URL like "redis://127.0.0.1:6379"' };
  try {
    const u = new URL(x);
    if (u.protocol === "redis:" || u.protocol === "rediss:") return { ok: true, value: x };
  } catch {
    // reported below
  }
  return { ok: false, message: 'must be a redis:// or rediss:// URL, e.g. "redis://127.0.0.1:6379"' };
};

const name: v.Check<string> = (x) =>
  typeof x === "string" && /^[A-Za-z0-9._-]{1,64}$/.test(x)
    ? { ok: true, value: x }
    : { ok: false, message: "must be 1 to 64 letters, digits, '.', '_' or '-'" };

export const CLUSTER_OPTIONS: { readonly [K in keyof ClusterOptions]: Spec<ClusterOptions[K]> } = {
  redis: {
    check: redisUrl,
    default: undefined,
    doc: "Redis URL (required): the session registry and routing",
  },
  node: { check: name, default: undefined, doc: "this node's name; default: host name and process id" },
  prefix: { check: name, default: "xha", doc: "prefix of Redis keys and channels" },
  lease: {
    check: v.seconds(1, 300),
    default: 6,
    doc: "seconds a dead node's sessions stay registered (dropped within lease + lease/3)",
  },
};

/** The default node name: unique per process on a machine, stable for the process's life. */
export function defaultNodeName(): string {
  return `${hostname()
    .replace(/[^A-Za-z0-9._-]/g, "-")
    .slice(0, 40)}-${process.pid}`;
}

/** Validates the raw [cluster] table; `fail(key, message)` makes the caller's error naming the key. */
export function parseClusterTable(
  raw: Record<string, unknown>,
  fail: (key: string, message: string) => Error,
): ClusterOptions {
  const known = Object.keys(CLUSTER_OPTIONS);
  for (const key of Object.keys(raw))
    if (!known.includes(key))
      throw fail(`cluster.${key}`, `is not a known option (known: ${known.join(", ")})`);
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(CLUSTER_OPTIONS) as [string, Spec<unknown>][]) {
    if (!(key in raw)) {
      out[key] = spec.default;
      continue;
    }
    const r = spec.check(raw[key]);
    if (!r.ok) throw fail(`cluster.${key}`, r.message);
    out[key] = r.value;
  }
  if (out.redis === undefined)
    throw fail("cluster.redis", 'is required, e.g. redis = "redis://127.0.0.1:6379"');
  out.node ??= defaultNodeName();
  return Object.freeze(out) as unknown as ClusterOptions;
}
