// End to end with the server on PostgreSQL (storage = "sql"): a message to an offline user is kept
// in the database and delivered at login, also by a second server process sharing the database.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import postgres from "postgres";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { ChatClient, isPresence, xml } from "../helpers/chat-client.ts";
import { PG_URL, dropSchema, pgSkip, uniqueSchema } from "../helpers/postgres.ts";

const schema = uniqueSchema("xha_e2e");
let api: TestAuthApi;
const servers: TestServer[] = [];

const start = () =>
  startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    storage: "sql",
    sql: `${PG_URL}?schema=${schema}`,
    hosts: { localhost: { http_auth_url: api.url } },
  }).then((s) => (servers.push(s), s));

before(async () => {
  if (pgSkip !== false) return;
  api = await startAuthApi({ "alice@localhost": "alice-pw", "bob@localhost": "bob-pw" });
});

after(async () => {
  if (pgSkip !== false) return;
  for (const s of servers) await s.stop();
  await api.close();
  await dropSchema(schema);
});

test(
  "offline message kept in PostgreSQL, delivered at login through another server process",
  { skip: pgSkip },
  async () => {
    const one = await start();
    const two = await start();
    const alice = await ChatClient.login(one.port, "alice", "alice-pw");
    try {
      await alice.send(
        xml("message", { to: "bob@localhost", type: "chat" }, xml("body", {}, "from server one")),
      );
      // The row is in our schema of the shared database, not in a process.
      const sql = postgres(PG_URL, { max: 1, onnotice: () => {} });
      try {
        const deadline = Date.now() + 3000;
        let rows: { account: string }[] = [];
        while (rows.length === 0 && Date.now() < deadline) {
          rows = await sql<{ account: string }[]>`SELECT account FROM ${sql(schema)}.chat_offline`;
          if (rows.length === 0) await new Promise((r) => setTimeout(r, 50));
        }
        assert.deepEqual(
          rows.map((r) => r.account),
          ["bob@localhost"],
        );
      } finally {
        await sql.end({ timeout: 1 });
      }
      const bob = await ChatClient.login(two.port, "bob", "bob-pw");
      try {
        await bob.send(xml("presence"));
        await bob.waitFor(isPresence(bob.jid), "own presence");
        const m = await bob.waitFor((s) => s.getChildText("body") === "from server one", "offline message");
        assert.ok(m.getChild("delay", "urn:xmpp:delay") !== undefined);
      } finally {
        await bob.stop();
      }
    } finally {
      await alice.stop();
    }
  },
);
