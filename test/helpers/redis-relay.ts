// A TCP relay between a cluster node and the test Redis that can hold one direction back, to make a
// node's view of the others (or theirs of it) late on purpose: real Redis, real sockets, in order.
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { REDIS_URL } from "./redis.ts";

export interface RedisRelay {
  /** The node's `[cluster] redis` URL. */
  readonly url: string;
  hold(): void;
  /** Sends what was held, in order, and relays freely again. */
  release(): void;
  close(): void;
}

/**
 * A TCP relay to Redis that can hold back what Redis sends the node ("replies": a node that hears
 * late) or what the node sends Redis ("commands": a node whose writes land late).
 */
export async function startRelay(what: "replies" | "commands"): Promise<RedisRelay> {
  const target = new URL(REDIS_URL);
  let held: [Socket, Buffer][] | undefined;
  const pairs = new Set<[Socket, Socket]>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const [from, to] = what === "replies" ? [upstream, client] : [client, upstream];
    to.on("data", (d: Buffer) => from.write(d));
    from.on("data", (d: Buffer) => (held === undefined ? to.write(d) : held.push([to, d])));
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of pair) s.on("close", end).on("error", end);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = new URL(REDIS_URL);
  url.hostname = "127.0.0.1";
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.toString(),
    hold: () => void (held ??= []),
    release() {
      const out = held ?? [];
      held = undefined;
      // In the order they came: each connection's bytes as they were sent.
      for (const [socket, d] of out) if (!socket.destroyed) socket.write(d);
    },
    close() {
      server.close();
      for (const [c, u] of pairs) {
        c.destroy();
        u.destroy();
      }
    },
  };
}
