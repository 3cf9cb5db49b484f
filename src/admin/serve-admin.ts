// The admin page as `serve` runs it: from the file's `[admin]` table, with accounts from the store
// its `[authd]` table names, if any (see store-accounts.ts).
import { parseAuthdConfig } from "../authd/config.ts";
import type { ServerConfig } from "../config/load.ts";
import type { Logger } from "../log.ts";
import type { XmppServer } from "../server.ts";
import { startAdminServer, type AdminServer } from "./admin-server.ts";
import type { AdminConfig } from "./config.ts";
import type { Overview } from "./overview.ts";
import { openStoreAccounts } from "./store-accounts.ts";

export async function startServeAdmin(deps: {
  readonly admin: AdminConfig;
  readonly config: ServerConfig;
  readonly server: XmppServer;
  /** Under `serve --workers`: the overview with every worker's figures. */
  readonly gatherOverview?: (local: Overview) => Promise<Overview>;
  readonly logger: Logger;
}): Promise<AdminServer> {
  const { config } = deps;
  const authd =
    config.tables.authd === undefined
      ? undefined
      : parseAuthdConfig(config.tables.authd, config.file, { dataPath: config.global.data_path });
  const store = authd === undefined ? undefined : await openStoreAccounts(authd);
  try {
    const page = await startAdminServer({
      config: deps.admin,
      server: deps.server,
      ...(deps.gatherOverview === undefined ? {} : { gatherOverview: deps.gatherOverview }),
      ...(store === undefined ? {} : { accounts: store.accounts }),
      logger: deps.logger,
    });
    return {
      addresses: page.addresses,
      url: page.url,
      async close() {
        await page.close();
        await store?.close();
      },
    };
  } catch (err) {
    await store?.close();
    throw err;
  }
}
