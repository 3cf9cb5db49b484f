// XEP-0198: a server shutting down ends hibernating sessions like any other, and what they had not
// had acknowledged is kept offline before the store closes: after a restart it is delivered.
import { test } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAuthApi } from "../helpers/auth-api.ts";
import { startServer } from "../helpers/xmpp-server.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { resumable } from "../helpers/sm-client.ts";

test("a hibernating session's queue survives a restart in offline storage", async () => {
  const api = await startAuthApi({ "alice@localhost": "alice-pw", "bob@localhost": "bob-pw" });
  const data = mkdtempSync(join(tmpdir(), "xha-sm-restart-"));
  const config = {
    certificate: TEST_CERT,
    key: TEST_KEY,
    data_path: data,
    hosts: { localhost: { http_auth_url: api.url } },
  };
  const clients: RawClient[] = [];
  try {
    const first = await startServer(config);
    const { c: alice } = await resumable(first.tlsPort, "alice", "phone");
    alice.destroy();
    const deadline = Date.now() + 10_000;
    while (first.server.ctx.sessions.get("alice@localhost", "phone")?.local?.hibernating !== true) {
      if (Date.now() > deadline) throw new Error("alice does not hibernate");
      await new Promise((r) => setTimeout(r, 10));
    }
    const { c: bob } = await resumable(first.tlsPort, "bob", "desk");
    clients.push(bob);
    bob.write(
      "<message to='alice@localhost/phone' type='chat' id='r1'><body>before restart</body></message>",
    );
    bob.write(`<r xmlns='urn:xmpp:sm:3'/>`);
    await bob.waitFor(/<a [^>]*h=["']1["']/);
    await first.stop();
    const second = await startServer(config);
    try {
      const back = await RawClient.connect(second.tlsPort, { tls: true });
      clients.push(back);
      back.open();
      await back.waitFor("</stream:features>");
      await back.login("alice", "alice-pw", "localhost", "phone");
      back.write("<presence/>");
      await back.waitFor("<body>before restart</body>");
    } finally {
      for (const c of clients) c.destroy();
      await second.stop();
    }
  } finally {
    await api.close();
    rmSync(data, { recursive: true, force: true });
  }
});
