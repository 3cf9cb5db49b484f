// Summary statistics for benchmark figures: a median over rounds with its min–max, and percentiles
// of latency samples. Nearest-rank percentiles: exact on the samples we have, no interpolation.

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly rounds: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function summarize(values: readonly number[]): Summary {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, rounds: 0 };
  const mid = finite.length >> 1;
  const median = finite.length % 2 === 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
  return { median, min: finite[0]!, max: finite[finite.length - 1]!, rounds: finite.length };
}

/** A sample buffer bounded in size (reservoir sampling), so a long run cannot grow without limit. */
export class Reservoir {
  readonly #cap: number;
  readonly #values: number[] = [];
  #seen = 0;

  constructor(cap = 200_000) {
    this.#cap = cap;
  }

  add(value: number): void {
    this.#seen++;
    if (this.#values.length < this.#cap) this.#values.push(value);
    else {
      const i = Math.floor(Math.random() * this.#seen);
      if (i < this.#cap) this.#values[i] = value;
    }
  }

  sorted(): number[] {
    return [...this.#values].sort((a, b) => a - b);
  }
}
