// Opens the store a `database` URL names: `sqlite:PATH` (relative to the working directory) or
// `postgres://…` / `postgresql://…`, where an optional `schema` query parameter picks the schema.
import { XhaError } from "../../errors.ts";
import { openPostgresStore } from "./postgres.ts";
import { openSqliteStore } from "./sqlite.ts";
import type { AccountStore } from "./store.ts";

/** Whether `url` names a store openStore can open (used by config validation). */
export function isStoreUrl(url: string): boolean {
  return (url.startsWith("sqlite:") && url.length > "sqlite:".length) || /^postgres(ql)?:\/\/./.test(url);
}

export async function openStore(url: string): Promise<AccountStore> {
  if (url.startsWith("sqlite:") && url.length > "sqlite:".length)
    return openSqliteStore(url.slice("sqlite:".length));
  if (/^postgres(ql)?:\/\//.test(url)) {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get("schema") ?? undefined;
    // Not a libpq parameter: the client would pass it on to the server as a setting.
    parsed.searchParams.delete("schema");
    return openPostgresStore(parsed.toString(), schema === undefined ? {} : { schema });
  }
  throw new XhaError("XHA_STORE", "database must be sqlite:PATH or postgres://…");
}
