// Interoperability of PEP (XEP-0163) with a client we did not write: Debian's python3-slixmpp and its
// own plugins (caps, nick, avatar, XEP-0048 bookmarks through XEP-0223). Alice publishes; Bob, her
// contact, comes online announcing +notify and gets her last items. Skipped without slixmpp.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { ChatClient, isPresence, rosterItem, xml } from "../helpers/chat-client.ts";
import { runSlixmpp, slixmppSkip as skip } from "../helpers/slixmpp.ts";

let api: TestAuthApi;
let srv: TestServer;
const clients: ChatClient[] = [];

before(async () => {
  api = await startAuthApi({ "alice@localhost": "alice-pw", "bob@localhost": "bob-pw" });
  srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    hosts: { localhost: { http_auth_url: api.url } },
  });
});
after(async () => {
  for (const c of clients) await c.stop();
  await srv.stop();
  await api.close();
});

test(
  "slixmpp publishes nick, avatar and bookmarks; a contact's slixmpp gets the last items",
  { skip },
  async () => {
    // Mutual subscription first, with @xmpp/client.
    const alice = await ChatClient.login(srv.port, "alice", "alice-pw");
    const bob = await ChatClient.login(srv.port, "bob", "bob-pw");
    clients.push(alice, bob);
    for (const c of [alice, bob]) {
      await c.iq(xml("iq", { type: "get" }, xml("query", { xmlns: "jabber:iq:roster" })));
      await c.send(xml("presence"));
    }
    await alice.send(xml("presence", { to: "bob@localhost", type: "subscribe" }));
    await bob.waitFor(isPresence("alice@localhost", "subscribe"), "subscribe");
    await bob.send(xml("presence", { to: "alice@localhost", type: "subscribed" }));
    await bob.send(xml("presence", { to: "alice@localhost", type: "subscribe" }));
    await alice.waitFor(isPresence("bob@localhost", "subscribe"), "subscribe back");
    await alice.send(xml("presence", { to: "bob@localhost", type: "subscribed" }));
    await bob.waitFor(
      (s) => s.name === "iq" && rosterItem(s, "alice@localhost")?.attrs.subscription === "both",
      "both",
    );
    await alice.stop();
    await bob.stop();

    const pub = await runSlixmpp(
      "pep.py",
      "publish",
      "alice@localhost",
      "alice-pw",
      srv.port,
      "bob@localhost",
    );
    assert.equal(pub.error, undefined, JSON.stringify(pub));
    assert.ok((pub.identities as string[][]).some(([c, t]) => c === "pubsub" && t === "pep"));
    assert.deepEqual(pub.bookmarks, ["room@muc.localhost"]);

    // slixmpp's own integration tests, in the same account.
    const it = await runSlixmpp("pep.py", "itests", "alice@localhost", "alice-pw", srv.port, "bob@localhost");
    assert.equal(it.error, undefined, JSON.stringify(it));
    assert.equal(it.public, "public note");
    assert.equal(it.private, "private note");
    assert.deepEqual(it.own_event, [true, 13, "image/jpeg"]);
    assert.equal(it.own_avatar, "coucou coucou");

    const sub = await runSlixmpp("pep.py", "listen", "bob@localhost", "bob-pw", srv.port, "alice@localhost");
    assert.equal(sub.error, undefined, JSON.stringify(sub));
    assert.equal(sub.nick, "Alice");
    // The itests run published the newest avatar.
    assert.equal(sub.avatar, "coucou coucou");
    assert.equal(sub.private_error, "not-allowed");
  },
);
