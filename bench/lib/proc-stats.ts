// CPU time and resident memory of a process tree, read from /proc (Linux only). A server may fork
// helpers, so CPU is summed over the live descendants as well as the reaped children's totals.
import { readFileSync, readdirSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ; 100 on every Linux ABI Node supports

interface StatLine {
  readonly ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  readonly ticks: number;
}

function readStat(pid: number): StatLine | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may contain spaces: split after the last ')'.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); utime is field 14 → index 11.
  const num = (i: number): number => Number(fields[i] ?? 0);
  return { ppid: num(1), ticks: num(11) + num(12) + num(13) + num(14) };
}

function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat === undefined) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(name));
    children.set(stat.ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  // Bounded: a pid tree cannot hold more processes than the system has.
  while (queue.length > 0 && out.length < 100_000) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** CPU seconds used so far by a process and its descendants (user + system). */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of descendants(pid)) ticks += readStat(p)?.ticks ?? 0;
  return ticks / TICKS_PER_SECOND;
}

/** Resident memory in bytes of a process and its descendants (VmRSS). */
export function rssBytes(pid: number): number {
  let kib = 0;
  for (const p of descendants(pid)) {
    try {
      const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      kib += Number(m?.[1] ?? 0);
    } catch {
      // the process ended between listing and reading
    }
  }
  return kib * 1024;
}

/** CPU seconds used so far by one process alone (user + system, with its reaped children). */
export function cpuSecondsOf(pid: number): number {
  return (readStat(pid)?.ticks ?? 0) / TICKS_PER_SECOND;
}

/** The direct children of a process (e.g. the workers under a `serve --workers N` primary). */
export function childPids(pid: number): number[] {
  return descendants(pid).filter((p) => p !== pid && readStat(p)?.ppid === pid);
}
