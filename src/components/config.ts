// [components."domain"] tables (Prosody's `Component "domain" "module"`): the domain is a host name
// of its own, distinct from [hosts]; `module` names one of the registry's modules, which validates the
// table's other keys. An error names the full key, e.g. components."upload.example.com".module.
import { domainPrep } from "../precis/index.ts";
import type { ComponentConfig } from "./component.ts";
import type { AnyComponentModule } from "./registry.ts";
import { isTable } from "../config/validators.ts";

type Raw = Record<string, unknown>;

export function parseComponentTables(
  raw: unknown,
  hosts: ReadonlySet<string>,
  modules: ReadonlyMap<string, AnyComponentModule>,
  invalid: (key: string, message: string) => Error,
): ReadonlyMap<string, ComponentConfig> {
  const out = new Map<string, ComponentConfig>();
  if (raw === undefined) return out;
  if (!isTable(raw))
    throw invalid("components", 'must be a table of [components."conference.example.com"] tables');
  for (const [name, table] of Object.entries(raw)) {
    const where = `components."${name}"`;
    if (!isTable(table)) throw invalid(where, 'must be a table with module = "<name>"');
    const prepared = domainPrep(name);
    if (!prepared.ok) throw invalid(where, `is not a valid host name: ${prepared.reason}`);
    const domain = prepared.value;
    if (hosts.has(domain))
      throw invalid(where, "is also a [hosts] entry: a component needs a domain of its own");
    if (out.has(domain)) throw invalid(where, "is the same domain as another component");
    const moduleName = table.module;
    if (moduleName === undefined) throw invalid(`${where}.module`, "is required");
    const known = [...modules.keys()].map((m) => JSON.stringify(m)).join(", ");
    const mod = typeof moduleName === "string" ? modules.get(moduleName) : undefined;
    if (mod === undefined)
      throw invalid(`${where}.module`, `must name a component module (${known || "none available"})`);
    const rest: Raw = { ...table };
    delete rest.module;
    const options: unknown = mod.parseOptions(rest, (key, message) => invalid(`${where}.${key}`, message));
    out.set(
      domain,
      Object.freeze({
        domain,
        module: mod.name,
        options,
        create: (env) => mod.create(env, options),
      } satisfies ComponentConfig),
    );
  }
  return out;
}
