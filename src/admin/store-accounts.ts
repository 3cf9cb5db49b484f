// For `serve` whose file also configures authd (`[authd]`, as `authd --config` reads it): the admin
// page manages the accounts in that store directly, as `xmpp-http-auth user` does. SQLite allows a
// second process on the file (WAL) and PostgreSQL any number.
import type { AuthdConfig } from "../authd/config.ts";
import { createPasswordHasher } from "../authd/password-hasher.ts";
import { createStoreBackend } from "../authd/store-backend.ts";
import { openStore } from "../authd/store/open.ts";
import { authdAccounts, type AdminAccounts } from "./accounts.ts";

export async function openStoreAccounts(
  config: AuthdConfig,
): Promise<{ accounts: AdminAccounts; close(): Promise<void> }> {
  const store = await openStore(config.database);
  try {
    const hasher = await createPasswordHasher(config.argon2);
    const backend = createStoreBackend({ store, hasher, scramIterations: config.scramIterations });
    return { accounts: authdAccounts({ backend, domains: config.domains }), close: () => store.close() };
  } catch (err) {
    await store.close();
    throw err;
  }
}
