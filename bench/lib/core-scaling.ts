// What this machine gives two Node processes over one: the same CPU-bound work (JSON, hashing and
// allocation, the kind of work a server does) timed in one process, then in two at once. The
// throughput ratio is the ceiling of `serve --workers 2` ÷ `--workers 1` here, whatever the server
// does: a lone Node process already spreads over more than one core (garbage collection and
// compilation run on threads of their own), and virtual CPUs need not be whole cores.
import { spawn } from "node:child_process";

const WORK = `
const { createHash } = require("node:crypto");
const t0 = process.hrtime.bigint();
let n = 0;
for (let i = 0; i < 300000; i++) {
  const o = { a: i, b: String(i), c: [i, i + 1] };
  n += JSON.stringify(o).length;
  if (i % 10 === 0) createHash("sha256").update(o.b).digest();
}
process.stdout.write(String(Number(process.hrtime.bigint() - t0) / 1e6) + " " + n);
`;

function once(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", WORK], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(Number(out.split(" ")[0])) : reject(new Error(`work exited ${code}`)),
    );
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Throughput of two processes at once ÷ one alone, the median of `tries` timings of each. */
export async function coreScaling(tries = 5): Promise<number> {
  const alone: number[] = [];
  const paired: number[] = [];
  for (let i = 0; i < tries; i++) {
    alone.push(await once());
    // Both finish the same work: the pair's time is the slower one's.
    paired.push(Math.max(...(await Promise.all([once(), once()]))));
  }
  return (2 * median(alone)) / median(paired);
}
