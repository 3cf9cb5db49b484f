// Message delivery between two logged-in raw clients: latency of one message at a time (send →
// the recipient's socket reads it), and throughput of a window of messages in flight. Markers in the
// body (`m<N>`) match what arrives to what was sent.
import type { Socket } from "node:net";

export interface LatencyResult {
  /** One-at-a-time delivery latencies, ms. */
  readonly latenciesMs: number[];
  readonly msgsPerS: number;
}

const MARK = /<body>m(\d+)<\/body>/g;

/** Calls `onMark` for each marker the socket reads (markers split across reads are kept). */
function watch(socket: Socket, onMark: (n: number) => void): () => void {
  let tail = "";
  const onData = (d: Buffer | string) => {
    tail += d.toString();
    let last = 0;
    for (const m of tail.matchAll(MARK)) {
      onMark(Number(m[1]));
      last = (m.index ?? 0) + m[0].length;
    }
    tail = tail.slice(Math.max(last, tail.length - 64));
  };
  socket.on("data", onData);
  return () => socket.off("data", onData);
}

export async function measureMessages(
  from: Socket,
  toJid: string,
  to: Socket,
  opts: {
    readonly pings: number;
    readonly burst: number;
    readonly window: number;
    readonly timeoutMs: number;
  },
): Promise<LatencyResult> {
  let next = 0;
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  let received = 0;
  let wake: (() => void) | undefined;
  const stop = watch(to, (n) => {
    const t = sentAt.get(n);
    if (t !== undefined) latencies.push(performance.now() - t);
    sentAt.delete(n);
    received++;
    wake?.();
  });
  const send = (n: number) => {
    sentAt.set(n, performance.now());
    from.write(`<message to='${toJid}' type='chat'><body>m${n}</body></message>`);
  };
  const until = async (cond: () => boolean) => {
    const deadline = Date.now() + opts.timeoutMs;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`messages lost: ${received} of ${next} arrived`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 50).unref();
      });
    }
  };
  try {
    for (let i = 0; i < opts.pings; i++) {
      send(next++);
      await until(() => received === next);
    }
    const pingLatencies = latencies.splice(0);
    const t0 = performance.now();
    const end = next + opts.burst;
    while (next < end) {
      while (next < end && next - received < opts.window) send(next++);
      await until(() => next - received < opts.window || received === end);
    }
    await until(() => received === end);
    const msgsPerS = opts.burst / ((performance.now() - t0) / 1000);
    return { latenciesMs: pingLatencies, msgsPerS };
  } finally {
    stop();
  }
}
