// Caps the CPU of a server's processes with a cgroup (v2 `cpu.max`, or v1 `cpu.cfs_quota_us`), so a
// bench can give each worker a fixed share of the machine while its own load generator and API keep
// the rest: on a 2-core machine the generator otherwise competes with the second worker, and "2
// workers ÷ 1" measures the machine rather than the server. Needs root and a writable cpu
// controller; `cpuCapMissing` says why not.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = "/sys/fs/cgroup";
const PERIOD_US = 100_000;

interface Layout {
  /** Where the capped group is made. */
  readonly parent: string;
  readonly set: (dir: string, cpus: number) => void;
}

function layout(): Layout | undefined {
  // cgroup v2: one hierarchy, the cpu controller enabled for children of the root.
  const controllers = join(ROOT, "cgroup.controllers");
  if (existsSync(controllers) && readFileSync(controllers, "utf8").split(/\s+/).includes("cpu"))
    return {
      parent: ROOT,
      set: (dir, cpus) => {
        writeFileSync(join(ROOT, "cgroup.subtree_control"), "+cpu");
        writeFileSync(join(dir, "cpu.max"), `${Math.round(cpus * PERIOD_US)} ${PERIOD_US}`);
      },
    };
  const v1 = join(ROOT, "cpu");
  if (existsSync(join(v1, "cpu.cfs_quota_us")))
    return {
      parent: v1,
      set: (dir, cpus) => {
        writeFileSync(join(dir, "cpu.cfs_period_us"), String(PERIOD_US));
        writeFileSync(join(dir, "cpu.cfs_quota_us"), String(Math.round(cpus * PERIOD_US)));
      },
    };
  return undefined;
}

/** Why CPU caps cannot be set here, or undefined when they can. */
export function cpuCapMissing(): string | undefined {
  if (process.getuid?.() !== 0) return "capping a server's CPU needs root (a cgroup of its own)";
  const l = layout();
  if (l === undefined) return `no cgroup cpu controller under ${ROOT}`;
  const probe = join(l.parent, `xha-bench-probe-${process.pid}`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
    return undefined;
  } catch (err) {
    return `cannot make a cgroup under ${l.parent}: ${(err as Error).message}`;
  }
}

export interface CpuCap {
  /** Moves the processes back to the root group and removes the capped one. */
  release(): void;
}

/** Puts `pids` (whole processes; children they fork later follow) under a cap of `cpus` CPUs. */
export function capCpu(pids: readonly number[], cpus: number, name: string): CpuCap {
  const l = layout();
  if (l === undefined) throw new Error(`no cgroup cpu controller under ${ROOT}`);
  const dir = join(l.parent, `xha-bench-${name}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  l.set(dir, cpus);
  for (const pid of pids) writeFileSync(join(dir, "cgroup.procs"), String(pid));
  return {
    release() {
      const procs = readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean);
      for (const pid of procs) {
        try {
          writeFileSync(join(l.parent, "cgroup.procs"), pid);
        } catch {
          // It exited meanwhile.
        }
      }
      rmdirSync(dir);
    },
  };
}
