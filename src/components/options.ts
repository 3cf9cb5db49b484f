// Module options of a [components."domain"] table: each declared with its check, default and doc
// (like src/config/schema.ts), unknown keys refused. Shared by every component module.
import type { Check } from "../config/validators.ts";

export interface ComponentOptionSpec<T> {
  readonly check: Check<T>;
  readonly default: T;
  readonly doc: string;
}

export type ComponentOptionSpecs<O> = { readonly [K in keyof O]: ComponentOptionSpec<O[K]> };

/** Validates `raw` against `specs` (every key but `module`); returns frozen options. */
export function pickComponentOptions<O>(
  specs: ComponentOptionSpecs<O>,
  raw: Readonly<Record<string, unknown>>,
  invalid: (key: string, message: string) => Error,
): O {
  for (const key of Object.keys(raw))
    if (!(key in specs)) throw invalid(key, "is not an option of this component's module");
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(specs) as (keyof O & string)[]) {
    const spec = specs[key];
    if (!(key in raw)) {
      out[key] = spec.default;
      continue;
    }
    const r = spec.check(raw[key]);
    if (!r.ok) throw invalid(key, r.message);
    out[key] = typeof r.value === "object" && r.value !== null ? Object.freeze(r.value) : r.value;
  }
  return Object.freeze(out) as O;
}
