// One Prometheus text exposition (format 0.0.4) from several processes' own: under `serve --workers`
// any worker answers /metrics for all of them. Each family keeps one HELP and one TYPE, before its
// samples; every sample carries the `node` label of the worker it came from (added where missing), so
// the same series from two workers never collide.

/** One worker's text, or undefined when it did not answer in time. */
export interface MetricsPart {
  readonly node: string;
  readonly text: string | undefined;
}

interface Family {
  help: string | undefined;
  type: string | undefined;
  readonly samples: string[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

/** A label value as the exposition format writes it (backslash, quote and newline escaped). */
export function labelValue(v: string): string {
  return `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** The label names in a `{…}` block (without its braces); undefined if it does not parse. */
function labelNames(block: string): string[] | undefined {
  const names: string[] = [];
  let i = 0;
  while (i < block.length) {
    const m = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"/.exec(block.slice(i));
    if (m === null) return /^\s*,?\s*$/.test(block.slice(i)) ? names : undefined;
    names.push(m[1]!);
    i += m[0].length;
    while (i < block.length && block[i] !== '"') i += block[i] === "\\" ? 2 : 1;
    if (i >= block.length) return undefined;
    i += 1;
    const sep = /^\s*,?/.exec(block.slice(i));
    i += sep?.[0].length ?? 0;
  }
  return names;
}

/** `name{labels} value`: the name, the label block's end, or undefined when the line is not a sample. */
function splitSample(line: string): { name: string; open: number; close: number } | undefined {
  const name = NAME.exec(line)?.[0];
  if (name === undefined) return undefined;
  if (line[name.length] !== "{") return { name, open: -1, close: -1 };
  let i = name.length + 1;
  let quoted = false;
  for (; i < line.length; i++) {
    const c = line[i];
    if (quoted && c === "\\") i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && c === "}") return { name, open: name.length, close: i };
  }
  return undefined;
}

// After the name and labels: a value (Go's float syntax, as Prometheus reads it) and maybe a timestamp.
const VALUE = /^\s+[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|Inf|NaN)(?:\s+-?\d+)?\s*$/;

/** The sample with `node="<node>"` added first among its labels, unless it has a node label already. */
function withNode(line: string, node: string): string | undefined {
  const s = splitSample(line);
  if (s === undefined) return undefined;
  if (!VALUE.test(line.slice(s.open === -1 ? s.name.length : s.close + 1))) return undefined;
  if (s.open === -1) return `${s.name}{node=${labelValue(node)}}${line.slice(s.name.length)}`;
  const names = labelNames(line.slice(s.open + 1, s.close));
  if (names === undefined) return undefined;
  if (names.includes("node")) return line;
  const rest = line.slice(s.open + 1);
  return `${s.name}{node=${labelValue(node)}${rest.startsWith("}") ? "" : ","}${rest}`;
}

/** The family a sample belongs to: the current one when its name extends it (histograms, summaries). */
function familyOf(sample: string, current: string | undefined): string {
  if (current === undefined) return sample;
  if (sample === current) return current;
  for (const suffix of ["_bucket", "_sum", "_count", "_total", "_created"])
    if (sample === current + suffix) return current;
  return sample;
}

/**
 * Merges the workers' texts, families in the order first seen, each family's samples worker by
 * worker. Lines that do not parse are dropped rather than passed on to break the whole scrape.
 */
export function mergeExpositions(parts: readonly MetricsPart[]): string {
  const families = new Map<string, Family>();
  const family = (name: string): Family => {
    let f = families.get(name);
    if (f === undefined) {
      f = { help: undefined, type: undefined, samples: [] };
      families.set(name, f);
    }
    return f;
  };
  for (const part of parts) {
    if (part.text === undefined) continue;
    let current: string | undefined;
    for (const line of part.text.split("\n")) {
      if (line.trim() === "") continue;
      const meta = /^#\s+(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\s(.*))?$/.exec(line);
      if (meta !== null) {
        const [, kind, name, rest] = meta as unknown as [string, "HELP" | "TYPE", string, string?];
        current = name;
        const f = family(name);
        if (kind === "HELP") f.help ??= rest ?? "";
        else f.type ??= (rest ?? "untyped").trim();
        continue;
      }
      if (line.startsWith("#")) continue;
      const sample = withNode(line.trim(), part.node);
      const name = sample === undefined ? undefined : splitSample(sample)?.name;
      if (sample === undefined || name === undefined) continue;
      const owner = familyOf(name, current);
      if (owner !== current) current = undefined;
      family(owner).samples.push(sample);
    }
  }
  const out: string[] = [];
  for (const [name, f] of families) {
    if (f.help !== undefined) out.push(`# HELP ${name} ${f.help}`);
    if (f.type !== undefined) out.push(`# TYPE ${name} ${f.type}`);
    out.push(...f.samples);
  }
  return out.join("\n") + "\n";
}

/** The group's own figures: how many workers there are, and which answered this scrape. */
export function workerGauges(parts: readonly MetricsPart[]): string {
  const answering = parts.filter((p) => p.text !== undefined).length;
  return (
    "# HELP xha_workers Worker processes under serve --workers.\n# TYPE xha_workers gauge\n" +
    `xha_workers ${parts.length}\n` +
    "# HELP xha_workers_answering Workers whose metrics are in this answer.\n" +
    "# TYPE xha_workers_answering gauge\n" +
    `xha_workers_answering ${answering}\n` +
    "# HELP xha_worker_up 1 when the worker's metrics are in this answer; 0 when it did not answer in time.\n" +
    "# TYPE xha_worker_up gauge\n" +
    parts.map((p) => `xha_worker_up{node=${labelValue(p.node)}} ${p.text === undefined ? 0 : 1}\n`).join("")
  );
}
