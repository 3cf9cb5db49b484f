// Decoder and lookup for the generated range tables in ucd-tables.ts (Unicode data Node's RegExp lacks).

/** Looks up a code point in a sorted, non-overlapping range list; undefined when no range holds it. */
export type RangeLookup<T> = (cp: number) => T | undefined;

type Decoded<T> = { starts: Uint32Array; ends: Uint32Array; values: T[] };

// "start[.end]X" (class tables) or "start[.end]>target" (mapping tables), hex code points.
const TOKEN = /^([0-9a-f]+)(?:\.([0-9a-f]+))?(?:([A-Z])|>([0-9a-f]+))$/;

function decode<T>(
  lines: readonly string[],
  value: (letter: string | undefined, target: number) => T,
): Decoded<T> {
  const tokens = lines
    .join(" ")
    .split(" ")
    .filter((t) => t !== "");
  const starts = new Uint32Array(tokens.length);
  const ends = new Uint32Array(tokens.length);
  const values: T[] = [];
  tokens.forEach((token, i) => {
    const m = TOKEN.exec(token);
    if (!m?.[1]) throw new Error(`malformed range token ${JSON.stringify(token)}`);
    const start = parseInt(m[1], 16);
    starts[i] = start;
    ends[i] = m[2] === undefined ? start : parseInt(m[2], 16);
    values.push(value(m[3], m[4] === undefined ? -1 : parseInt(m[4], 16)));
  });
  return { starts, ends, values };
}

function search<T>(table: Decoded<T>, cp: number): number {
  let lo = 0;
  let hi = table.starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (cp < table.starts[mid]!) hi = mid - 1;
    else if (cp > table.ends[mid]!) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** A class table: each range carries a one-letter value. Decoded on first use, so importing costs nothing. */
export function classLookup(lines: readonly string[]): RangeLookup<string> {
  let table: Decoded<string> | undefined;
  return (cp) => {
    table ??= decode(lines, (letter) => letter ?? "");
    const i = search(table, cp);
    return i < 0 ? undefined : table.values[i];
  };
}

/** A mapping table: code point start+k maps to target+k within each range. */
export function mappingLookup(lines: readonly string[]): RangeLookup<number> {
  let table: Decoded<number> | undefined;
  return (cp) => {
    table ??= decode(lines, (_letter, target) => target);
    const i = search(table, cp);
    return i < 0 ? undefined : table.values[i]! + (cp - table.starts[i]!);
  };
}
