// Suite `upload`: the http_file_share component (XEP-0363) of our server, on its SQLite store.
// (1) Slot requests/s: 8 sessions asking for slots one after the other (each a quota check and an
// insert). (2) Upload throughput: 4 workers each requesting a slot and PUTting 1 MiB over plain HTTP.
// (3) Download throughput: 16 workers GETting a 1 MiB file. No Prosody side: figures only.
import { startApi } from "../targets/api.ts";
import { startOurs } from "../targets/ours.ts";
import { freePort } from "../lib/net-util.ts";
import { login, type Session } from "../load/xmpp-login.ts";
import type { Suite, SuiteContext } from "./suite.ts";

const DOMAIN = "upload-bench.test";
const SERVICE = `upload.${DOMAIN}`;
const FILE = Buffer.alloc(1024 * 1024, 0x61);
/** Below the service's 1,000 slots per user per day: a worker changes user before reaching it. */
const SLOTS_PER_USER = 900;

interface Slot {
  readonly url: string;
  readonly auth: string;
}

let ids = 0;
async function requestSlot(s: Session, size: number): Promise<Slot> {
  const id = `s${++ids}`;
  const reply = s.waitFor(new RegExp(`<iq[^>]*id=["']${id}["'][\\s\\S]*?(?:/>|</iq>)`), 10_000);
  s.send(
    `<iq type='get' id='${id}' to='${SERVICE}'><request xmlns='urn:xmpp:http:upload:0' ` +
      `filename='f.bin' size='${size}' content-type='application/octet-stream'/></iq>`,
  );
  const xml = await reply;
  const url = /<put url=["']([^"']+)["']/.exec(xml)?.[1];
  const auth = /<header name=["']Authorization["']>([^<]+)<\/header>/.exec(xml)?.[1];
  if (url === undefined || auth === undefined) throw new Error(`no slot: ${xml.slice(0, 300)}`);
  return { url, auth };
}

/** A worker's session, replaced by a fresh user's every SLOTS_PER_USER slots. */
class Worker {
  private session: Session | undefined;
  private used = 0;
  private generation = 0;

  constructor(
    private readonly port: number,
    private readonly name: string,
  ) {}

  async slot(size: number): Promise<Slot> {
    if (this.session === undefined || this.used >= SLOTS_PER_USER) {
      this.session?.destroy();
      const user = `${this.name}g${++this.generation}`;
      this.session = await login(
        { port: this.port, domain: DOMAIN, starttls: false, stepTimeoutMs: 10_000 },
        user,
        "secret",
        "b",
      );
      this.used = 0;
    }
    this.used++;
    return requestSlot(this.session, size);
  }

  close(): void {
    this.session?.destroy();
  }
}

async function loop(workers: number, ms: number, step: (w: number) => Promise<number>): Promise<number> {
  const end = performance.now() + ms;
  let total = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (performance.now() < end) {
        // Not `total += await …`: that reads `total` before the await and loses the other workers' counts.
        const n = await step(w);
        total += n;
      }
    }),
  );
  return total;
}

async function put(slot: Slot): Promise<void> {
  const r = await fetch(slot.url, {
    method: "PUT",
    body: FILE,
    headers: { Authorization: slot.auth, "Content-Type": "application/octet-stream" },
  });
  await r.arrayBuffer();
  if (r.status !== 201) throw new Error(`PUT answered ${r.status}`);
}

export const uploadSuite: Suite = {
  name: "upload",
  summary: "XEP-0363 slot requests/s, PUT and GET throughput of http_file_share",
  async run(ctx: SuiteContext) {
    const api = await startApi("upload-api");
    const httpPort = await freePort();
    const base = `http://127.0.0.1:${httpPort}`;
    const target = await startOurs({
      repoRoot: ctx.repoRoot,
      runDir: ctx.runDir,
      hosts: [{ domain: DOMAIN, apiUrl: api.url }],
      starttls: false,
      extraToml: [
        `http_ports = [${httpPort}]`,
        "https_ports = []",
        `http_external_url = ${JSON.stringify(base)}`,
        `[components.${JSON.stringify(SERVICE)}]`,
        'module = "http_file_share"',
        `http_file_share_size_limit = ${FILE.length}`,
        `http_file_share_daily_quota = ${1024 ** 4}`,
      ],
    });
    const workers = Array.from({ length: 16 }, (_, i) => new Worker(target.port, `w${i}`));
    try {
      const add = (kase: string, metric: string, unit: string, v: number) =>
        ctx.results.add("upload", kase, "ours", metric, unit, v);
      const seconds = ctx.durationMs / 1000;
      const first = await workers[0]!.slot(FILE.length);
      await put(first);
      // Every worker logs in before anything is timed.
      await Promise.all(workers.slice(1).map((w) => w.slot(1)));
      for (let round = 1; round <= ctx.rounds; round++) {
        ctx.progress.phase(`upload round ${round}/${ctx.rounds}: slot requests`);
        const slots = await loop(8, ctx.durationMs, async (w) => (await workers[w]!.slot(1), 1));
        add("slot requests, 8 sessions", "slots/s", "slots/s", slots / seconds);
        ctx.progress.phase(`upload round ${round}/${ctx.rounds}: PUT 1 MiB`);
        const bytesUp = await loop(4, ctx.durationMs, async (w) => {
          await put(await workers[8 + w]!.slot(FILE.length));
          return FILE.length;
        });
        add("PUT 1 MiB, 4 workers", "MiB/s", "MiB/s", bytesUp / 1024 ** 2 / seconds);
        ctx.progress.phase(`upload round ${round}/${ctx.rounds}: GET 1 MiB`);
        const bytesDown = await loop(16, ctx.durationMs, async () => {
          const r = await fetch(first.url);
          const body = await r.arrayBuffer();
          if (r.status !== 200) throw new Error(`GET answered ${r.status}`);
          return body.byteLength;
        });
        add("GET 1 MiB, 16 workers", "MiB/s", "MiB/s", bytesDown / 1024 ** 2 / seconds);
      }
    } finally {
      for (const w of workers) w.close();
      await target.stop();
      await api.stop();
    }
  },
};
