// toNodeListener as Express/Connect-style middleware: with `next`, requests outside the base path
// pass on; inside it, the handler answers, reading the raw body itself.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { createAuthHandler } from "../../src/authd/handler.ts";
import { toNodeListener } from "../../src/authd/node-adapter.ts";

void test("as middleware: outside the base path goes to next(), inside is answered", async (t) => {
  const users = new Set(["alice"]);
  const middleware = toNodeListener(
    createAuthHandler(
      {
        checkPassword: () => false,
        userExists: (u) => users.has(u),
        register: (u) => (users.add(u), "created"),
      },
      { path: "/xmpp/auth" },
    ),
  );
  const server = createServer((req, res) =>
    middleware(req, res, () => res.writeHead(200, { "content-type": "text/plain" }).end("from the app")),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  assert.equal(await (await fetch(`${origin}/index.html`)).text(), "from the app");
  assert.equal(await (await fetch(`${origin}/xmpp/auth/user_exists?user=alice&server=s`)).text(), "true");
  const reg = await fetch(`${origin}/xmpp/auth/register`, {
    method: "POST",
    body: "user=bob&pass=x&server=s",
  });
  assert.equal(reg.status, 201);
  assert.equal(await (await fetch(`${origin}/xmpp/auth/user_exists?user=bob&server=s`)).text(), "true");
  assert.equal((await fetch(`${origin}/xmpp/auth/nope`)).status, 404);
});
