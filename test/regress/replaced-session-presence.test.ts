// Regression: when a new session bound alice/phone while the old one's connection was slow to close
// (a dead mobile link), contacts got alice/phone's new available presence and then `unavailable`
// from the old session's close, so alice looked offline while online. The replaced session's end
// must come before its replacement's presence (RFC 6120 §7.7.2.2: the old one gets `conflict`).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";

let api: TestAuthApi;
let srv: TestServer;

before(async () => {
  api = await startAuthApi({ "alice@localhost": "a-pw", "bob@localhost": "b-pw" });
  srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    hosts: { localhost: { http_auth_url: api.url } },
  });
});

after(async () => {
  await srv.stop();
  await api.close();
});

async function login(user: string, resource: string): Promise<RawClient> {
  const c = await RawClient.connect(srv.tlsPort, { tls: true });
  c.open();
  await c.waitFor("</stream:features>");
  await c.login(user, `${user[0]}-pw`, "localhost", resource);
  return c;
}

/** Presence stanzas from alice/phone that bob received, in order: "available" or "unavailable". */
function phonePresence(bob: RawClient): string[] {
  const out: string[] = [];
  for (const m of bob.received.matchAll(/<presence\b[^>]*>/g)) {
    const tag = m[0];
    if (!tag.includes("from='alice@localhost/phone'") && !tag.includes('from="alice@localhost/phone"'))
      continue;
    out.push(/type=['"]unavailable['"]/.test(tag) ? "unavailable" : "available");
  }
  return out;
}

test("a replaced session's unavailable never follows its replacement's presence", async () => {
  const bob = await login("bob", "desk");
  const old = await login("alice", "phone");
  try {
    // Both available; bob subscribes to alice's presence; alice approves and bob gets her presence.
    bob.write("<presence/>");
    old.write("<presence/>");
    bob.write("<presence to='alice@localhost' type='subscribe'/>");
    await old.waitFor(/<presence[^>]*type=['"]subscribe['"]/);
    old.write("<presence to='bob@localhost' type='subscribed'/>");
    await bob.waitFor(/<presence[^>]*from=['"]alice@localhost\/phone['"][^>]*>/);
    // The phone's link dies: it reads nothing more and answers nothing, so its socket closes late.
    old.stall();
    const fresh = await login("alice", "phone");
    try {
      fresh.write("<presence/>");
      // Past the server's own wait for the old socket to close (1 s), with a margin.
      await sleep(1800);
      const seen = phonePresence(bob);
      assert.equal(seen.at(-1), "available", `bob saw alice/phone: ${seen.join(", ")}`);
      assert.deepEqual(seen.slice(-3), ["available", "unavailable", "available"]);
    } finally {
      fresh.destroy();
    }
  } finally {
    old.destroy();
    bob.destroy();
  }
});
