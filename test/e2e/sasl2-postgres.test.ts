// FAST tokens live in the shared store: a token one server issued logs in on another server sharing
// its PostgreSQL (as cluster nodes do), and a password change on either ends it for both.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { PG_URL, dropSchema, pgSkip, uniqueSchema } from "../helpers/postgres.ts";
import { authenticate as sasl2, htProof, plainResponse } from "../helpers/sasl2-client.ts";

const schema = uniqueSchema("xha_fast_e2e");
const b64 = (s: string | Buffer): string => Buffer.from(s).toString("base64");
let api: TestAuthApi;
const servers: TestServer[] = [];

before(async () => {
  if (pgSkip !== false) return;
  api = await startAuthApi({ "romeo@localhost": "jul1et" });
  for (let i = 0; i < 2; i++)
    servers.push(
      await startServer({
        certificate: TEST_CERT,
        key: TEST_KEY,
        storage: "sql",
        sql: `${PG_URL}?schema=${schema}`,
        hosts: { localhost: { http_auth_url: api.url, c2s_sasl2: true, sasl2_fast: true } },
      }),
    );
});

after(async () => {
  if (pgSkip !== false) return;
  for (const s of servers) await s.stop();
  await api.close();
  await dropSchema(schema);
});

async function authenticate(srv: TestServer, mechanism: string, inner: string): Promise<string> {
  const c = await RawClient.connect(srv.tlsPort, { tls: true });
  c.open("localhost");
  await c.waitFor("</stream:features>");
  const out = await sasl2(c, `${inner}<user-agent id='pg-agent'/>`, mechanism);
  c.close();
  return out;
}

const fast = (srv: TestServer, token: string): Promise<string> => {
  const message = Buffer.concat([Buffer.from("romeo\0"), htProof(token, "Initiator")]);
  return authenticate(
    srv,
    "HT-SHA-256-NONE",
    `<initial-response>${b64(message)}</initial-response><fast xmlns='urn:xmpp:fast:0'/>`,
  );
};

test(
  "a token from one server logs in on the other; a password change through either ends it",
  { skip: pgSkip },
  async () => {
    const [a, b] = servers as [TestServer, TestServer];
    const issued = await authenticate(
      a,
      "PLAIN",
      `${plainResponse("romeo", "jul1et")}<request-token xmlns='urn:xmpp:fast:0' mechanism='HT-SHA-256-NONE'/>`,
    );
    const token = /<token [^>]*token="([^"]+)"/.exec(issued)?.[1] ?? "";
    assert.notEqual(token, "", issued);
    assert.match(await fast(b, token), /<success/);
    await b.server.ctx.hooks.passwordChanged.runAll(() => {}, "romeo@localhost");
    assert.match(await fast(a, token), /<not-authorized/);
  },
);
