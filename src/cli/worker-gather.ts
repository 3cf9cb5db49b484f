// Under `serve --workers N` a request for /metrics or the admin overview lands on one worker (they share
// the ports); that worker asks its siblings for their figures through the primary, over the cluster IPC
// channel, so the answer covers the whole process group. Every message is validated on receipt and its
// text bounded; a worker that does not answer in time is left out, and the answer says which.
import type { Worker } from "node:cluster";

/** What a worker can be asked for. */
export type GatherKind = "metrics" | "overview";

/** One worker's answer; `body` is undefined when it did not answer in time (or is restarting). */
export interface WorkerPart {
  readonly index: number;
  readonly node: string;
  readonly body: string | undefined;
}

/** A body larger than this is not sent (the worker counts as not answering). */
export const MAX_BODY_CHARS = 4 * 1024 * 1024;
/** The parts of one answer together; parts past it are left out, as if they had not answered. */
export const MAX_GATHERED_CHARS = 16 * 1024 * 1024;
/** The primary waits this long for the other workers. */
export const COLLECT_TIMEOUT_MS = 1000;
/** The asking worker waits this long for the primary (a little longer than the primary waits). */
const GATHER_TIMEOUT_MS = COLLECT_TIMEOUT_MS + 1000;
const MAX_NODE_CHARS = 256;

// Worker → primary.
interface Ready {
  readonly xha: "ready";
  readonly node: string;
}
interface GatherRequest {
  readonly xha: "gather";
  readonly id: number;
  readonly kind: GatherKind;
}
interface Collected {
  readonly xha: "collected";
  readonly id: number;
  readonly body: string;
}
// Primary → worker.
interface Collect {
  readonly xha: "collect";
  readonly id: number;
  readonly kind: GatherKind;
}
interface Gathered {
  readonly xha: "gathered";
  readonly id: number;
  readonly parts: readonly WorkerPart[];
}
type ToPrimary = Ready | GatherRequest | Collected;
type ToWorker = Collect | Gathered;

const isObject = (m: unknown): m is Record<string, unknown> => typeof m === "object" && m !== null;
const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isKind = (v: unknown): v is GatherKind => v === "metrics" || v === "overview";
const isNode = (v: unknown): v is string =>
  typeof v === "string" && v.length > 0 && v.length <= MAX_NODE_CHARS;
const isBody = (v: unknown): v is string => typeof v === "string" && v.length <= MAX_BODY_CHARS;

function toPrimary(m: unknown): ToPrimary | undefined {
  if (!isObject(m)) return undefined;
  if (m.xha === "ready" && isNode(m.node)) return { xha: "ready", node: m.node };
  if (m.xha === "gather" && isId(m.id) && isKind(m.kind)) return { xha: "gather", id: m.id, kind: m.kind };
  if (m.xha === "collected" && isId(m.id) && isBody(m.body))
    return { xha: "collected", id: m.id, body: m.body };
  return undefined;
}

function isPart(p: unknown): p is WorkerPart {
  return isObject(p) && isId(p.index) && isNode(p.node) && (p.body === undefined || isBody(p.body));
}

function toWorker(m: unknown): ToWorker | undefined {
  if (!isObject(m)) return undefined;
  if (m.xha === "collect" && isId(m.id) && isKind(m.kind)) return { xha: "collect", id: m.id, kind: m.kind };
  if (m.xha === "gathered" && isId(m.id) && Array.isArray(m.parts) && m.parts.length <= 256) {
    const parts: unknown[] = m.parts;
    if (parts.every(isPart)) return { xha: "gathered", id: m.id, parts };
  }
  return undefined;
}

const send = (
  target: { send?: ((m: ToPrimary | ToWorker) => unknown) | undefined },
  m: ToPrimary | ToWorker,
) => {
  try {
    target.send?.(m);
  } catch {
    // The channel closed (the process is exiting): the other side's timeout covers it.
  }
};

/**
 * The primary's side: relays a worker's request to the others and sends back every worker's part,
 * in index order. `workers` maps an index to the live worker; `nodeName` names one that never said.
 */
export function createGatherRelay(deps: {
  readonly count: number;
  readonly workers: ReadonlyMap<number, Worker>;
  readonly nodeName: (index: number) => string;
  readonly timeoutMs?: number;
}): { attach(index: number, worker: Worker): void } {
  const timeoutMs = deps.timeoutMs ?? COLLECT_TIMEOUT_MS;
  /** The node each worker last said it is; a worker counts as ready once it has said so. */
  const nodes = new Map<number, string>();
  const ready = new Set<Worker>();
  let nextId = 0;
  /** Collections in flight: who was asked, and what to do with its answer. */
  const waiting = new Map<
    number,
    { readonly worker: Worker; readonly done: (body: string | undefined) => void }
  >();

  const collect = (w: Worker, kind: GatherKind): Promise<string | undefined> => {
    const id = nextId++;
    return new Promise((resolve) => {
      const done = (body: string | undefined) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(body);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      waiting.set(id, { worker: w, done });
      send(w, { xha: "collect", id, kind });
    });
  };

  const gather = async (from: number, asker: Worker, req: GatherRequest) => {
    const parts: WorkerPart[] = [];
    const pending: Promise<void>[] = [];
    for (let i = 1; i <= deps.count; i++) {
      const node = nodes.get(i) ?? deps.nodeName(i);
      const w = deps.workers.get(i);
      // The asker has its own figures; a worker not (yet) ready is restarting: nothing to wait for.
      if (i === from || w === undefined || !ready.has(w)) {
        parts.push({ index: i, node, body: undefined });
        continue;
      }
      const at = parts.length;
      parts.push({ index: i, node, body: undefined });
      pending.push(
        collect(w, req.kind).then((body) => {
          parts[at] = { index: i, node, body };
        }),
      );
    }
    await Promise.all(pending);
    let total = 0;
    const bounded = parts.map((p) => {
      total += p.body?.length ?? 0;
      return total > MAX_GATHERED_CHARS ? { ...p, body: undefined } : p;
    });
    send(asker, { xha: "gathered", id: req.id, parts: bounded });
  };

  return {
    attach(index, worker) {
      worker.on("message", (raw: unknown) => {
        const m = toPrimary(raw);
        if (m === undefined) return;
        if (m.xha === "ready") {
          nodes.set(index, m.node);
          ready.add(worker);
        } else if (m.xha === "collected") {
          // Only the worker asked may answer.
          const w = waiting.get(m.id);
          if (w?.worker === worker) w.done(m.body);
        } else void gather(index, worker, m);
      });
      worker.once("exit", () => {
        ready.delete(worker);
        // What it was asked for will not come: no need to wait out the timeout.
        for (const w of [...waiting.values()]) if (w.worker === worker) w.done(undefined);
      });
    },
  };
}

export interface WorkerGather {
  /** Every worker's part, this one's (`local`) included, in index order. */
  gather(kind: GatherKind, local: string): Promise<WorkerPart[]>;
  /** Answers the siblings' requests from now on, and tells the primary so. */
  serve(answer: (kind: GatherKind) => string | Promise<string>): void;
  close(): void;
}

/** A worker's side: `index` and `node` are its own (see workers.ts). */
export function createWorkerGather(opts: {
  readonly index: number;
  readonly node: string;
  readonly timeoutMs?: number;
}): WorkerGather {
  const { index, node } = opts;
  const timeoutMs = opts.timeoutMs ?? GATHER_TIMEOUT_MS;
  const proc = process as { send?: (m: unknown) => unknown } & NodeJS.EventEmitter;
  let nextId = 0;
  const waiting = new Map<number, (parts: readonly WorkerPart[] | undefined) => void>();
  let answer: ((kind: GatherKind) => string | Promise<string>) | undefined;

  const onMessage = (raw: unknown) => {
    const m = toWorker(raw);
    if (m === undefined) return;
    if (m.xha === "gathered") return waiting.get(m.id)?.(m.parts);
    const respond = answer;
    if (respond === undefined) return;
    void Promise.resolve()
      .then(() => respond(m.kind))
      // Too large, or it failed: no answer, and the asker shows this worker as not answering.
      .then((body) =>
        body.length <= MAX_BODY_CHARS ? send(proc, { xha: "collected", id: m.id, body }) : undefined,
      )
      .catch(() => {});
  };
  proc.on("message", onMessage);

  return {
    async gather(kind, local) {
      const id = nextId++;
      const parts = await new Promise<readonly WorkerPart[] | undefined>((resolve) => {
        const done = (p: readonly WorkerPart[] | undefined) => {
          clearTimeout(timer);
          waiting.delete(id);
          resolve(p);
        };
        const timer = setTimeout(() => done(undefined), timeoutMs);
        waiting.set(id, done);
        send(proc, { xha: "gather", id, kind });
      });
      const own: WorkerPart = { index, node, body: local };
      // No word from the primary: this worker's own figures, marked as the only ones.
      if (parts === undefined) return [own];
      return parts.map((p) => (p.index === index ? own : p));
    },
    serve(respond) {
      answer = respond;
      send(proc, { xha: "ready", node });
    },
    close() {
      answer = undefined;
      proc.off("message", onMessage);
      for (const done of [...waiting.values()]) done(undefined);
    },
  };
}
