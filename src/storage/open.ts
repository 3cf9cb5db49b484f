// Opens the chat store the configuration names: `storage = "internal"` is an SQLite file under
// data_path; `storage = "sql"` is the `sql` connection (PostgreSQL, or an SQLite3 file).
import { isAbsolute, join } from "node:path";
import type { GlobalOptions } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import { openPostgresChatStore } from "./postgres.ts";
import { safeUrl } from "../safe-url.ts";
import { openSqliteChatStore } from "./sqlite.ts";
import type { ChatStore } from "./store.ts";

/** The file `storage = "internal"` uses. */
export const INTERNAL_STORE_FILE = "xmpp.sqlite";

export async function openChatStore(global: GlobalOptions, logger: Logger): Promise<ChatStore> {
  const sql = global.sql;
  if (global.storage === "sql" && sql !== undefined) {
    if (sql.driver === "postgresql") {
      const store = await openPostgresChatStore(sql.url, { schema: sql.schema });
      logger.info({ store: "postgresql", url: safeUrl(sql.url), schema: sql.schema }, "chat store open");
      return store;
    }
    const path = isAbsolute(sql.path) ? sql.path : join(global.data_path, sql.path);
    const store = openSqliteChatStore(path);
    logger.info({ store: "sqlite", path }, "chat store open");
    return store;
  }
  const path = join(global.data_path, INTERNAL_STORE_FILE);
  const store = openSqliteChatStore(path);
  logger.info({ store: "sqlite", path }, "chat store open");
  return store;
}
