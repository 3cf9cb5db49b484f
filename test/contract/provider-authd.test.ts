// The two sides of the protocol against each other over real HTTP: our provider (the client side)
// and authd (the server side), for all five methods, with and without credentials, on SQLite and
// PostgreSQL. If protocol.ts and either side ever drift apart, this is where it shows.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHttpProvider } from "../../src/auth/http/provider.ts";
import { silentLogger } from "../../src/log.ts";
import type { AuthProvider } from "../../src/auth/provider.ts";
import { pgSchema, startTestAuthd } from "../unit/authd-helpers.ts";
import { pgSkip } from "../helpers/postgres.ts";

type T = Parameters<typeof startTestAuthd>[0];

const STORES = [
  {
    name: "SQLite",
    skip: false as const,
    table: (): Promise<Record<string, unknown>> => Promise.resolve({}),
  },
  {
    name: "PostgreSQL",
    skip: pgSkip,
    table: async (t: T): Promise<Record<string, unknown>> => {
      const { url, schema } = await pgSchema(t);
      return { database: `${url}?schema=${schema}` };
    },
  },
];

async function pair(
  t: T,
  table: Record<string, unknown>,
  credentials: string | undefined,
  providerCredentials: string | undefined = credentials,
): Promise<AuthProvider> {
  const { authd } = await startTestAuthd(t, {
    ...table,
    ...(credentials === undefined ? {} : { credentials }),
  });
  const provider = createHttpProvider({
    url: authd.url,
    host: "example.com",
    timeoutMs: 5000,
    logger: silentLogger(),
    // "" stands for "send no Authorization header at all".
    ...(providerCredentials === undefined || providerCredentials === ""
      ? {}
      : { credentials: providerCredentials }),
  });
  t.after(() => provider.close());
  return provider;
}

for (const store of STORES) {
  for (const credentials of [undefined, "xmpp:s3cret"]) {
    void describe(
      `provider ⇄ authd on ${store.name}, ${credentials === undefined ? "open" : "with credentials"}`,
      { skip: store.skip },
      () => {
        void it("carries an account through its whole life", async (t) => {
          const p = await pair(t, await store.table(t), credentials);
          const pass = "p äss&=+/?%";
          assert.deepEqual(await p.userExists("zoë"), { outcome: "false" });
          assert.deepEqual(await p.register("zoë", pass), { outcome: "ok" });
          assert.deepEqual(await p.register("zoë", "other"), { outcome: "conflict" });
          assert.deepEqual(await p.userExists("zoë"), { outcome: "ok" });
          assert.deepEqual(await p.checkPassword("zoë", pass), { outcome: "ok" });
          assert.deepEqual(await p.checkPassword("zoë", "wrong"), { outcome: "false" });
          assert.deepEqual(await p.checkPassword("nobody", pass), { outcome: "false" });
          assert.deepEqual(await p.setPassword("zoë", "n3w pass"), { outcome: "ok" });
          assert.deepEqual(await p.checkPassword("zoë", pass), { outcome: "false" });
          assert.deepEqual(await p.checkPassword("zoë", "n3w pass"), { outcome: "ok" });
          assert.deepEqual(await p.removeUser("zoë"), { outcome: "ok" });
          assert.deepEqual(await p.userExists("zoë"), { outcome: "false" });
          assert.deepEqual(await p.checkPassword("zoë", "n3w pass"), { outcome: "false" });
        });

        void it("a write for an account that does not exist is never a success", async (t) => {
          // authd answers 404 "no such user"; a 404 without an HTML page to a write reads as "not
          // implemented" (answers.ts: APIs without a route for the method answer so). Only a race sends
          // it (the account went away after login); either way the write fails closed.
          const p = await pair(t, await store.table(t), credentials);
          assert.deepEqual(await p.setPassword("ghost", "x"), { outcome: "unsupported" });
          assert.deepEqual(await p.removeUser("ghost"), { outcome: "unsupported" });
        });
      },
    );
  }
}

void describe("provider ⇄ authd with mismatched credentials", () => {
  void it("fails closed: 401 is a backend error (temporary-auth-failure), never a login", async (t) => {
    const p = await pair(t, {}, "xmpp:right", "xmpp:wrong");
    assert.deepEqual(await p.checkPassword("alice", "x"), {
      outcome: "backend-error",
      reason: "status",
      status: 401,
    });
    const none = await pair(t, {}, "xmpp:right", "");
    assert.deepEqual(await none.userExists("alice"), {
      outcome: "backend-error",
      reason: "status",
      status: 401,
    });
  });

  void it("a provider for a domain authd does not serve never gets another domain's answer", async (t) => {
    const { authd } = await startTestAuthd(t, {});
    const mine = createHttpProvider({ url: authd.url, host: "example.com", logger: silentLogger() });
    const other = createHttpProvider({ url: authd.url, host: "other.example", logger: silentLogger() });
    t.after(async () => {
      await mine.close();
      await other.close();
    });
    assert.deepEqual(await mine.register("alice", "x"), { outcome: "ok" });
    assert.deepEqual(await other.checkPassword("alice", "x"), { outcome: "false" });
    assert.deepEqual(await other.userExists("alice"), { outcome: "false" });
  });
});
