// XEP-0045 with a client we did not write: Debian's python3-slixmpp and its xep_0045 plugin enters a
// room made by @xmpp/client, gets its history and subject, and chats with the others.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { ChatClient, xml } from "../helpers/chat-client.ts";
import { configSubmit, groupchat, join } from "../helpers/muc-client.ts";
import { runSlixmpp, slixmppSkip as skip } from "../helpers/slixmpp.ts";

let api: TestAuthApi;
let server: TestServer;
let alice: ChatClient;
const ROOM = "lounge@conference.localhost";

before(async () => {
  api = await startAuthApi({ "alice@localhost": "alice-pw", "bob@localhost": "bob-pw" });
  server = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    hosts: { localhost: { http_auth_url: api.url } },
    components: { "conference.localhost": { module: "muc" } },
  });
  alice = await ChatClient.login(server.port, "alice", "alice-pw");
});
after(async () => {
  await alice.stop();
  await server.stop();
  await api.close();
});

test(
  "slixmpp joins a room, gets history and subject, and its message reaches the others",
  { skip },
  async () => {
    await join(alice, `${ROOM}/Alice`);
    await alice.iq(configSubmit(ROOM, {}));
    await alice.send(xml("message", { to: ROOM, type: "groupchat" }, xml("subject", {}, "Tea")));
    await alice.send(xml("message", { to: ROOM, type: "groupchat" }, xml("body", {}, "earlier")));
    await groupchat(alice, "earlier");
    const mark = alice.received.length;
    const r = await runSlixmpp("muc.py", "join", "bob@localhost", "bob-pw", server.port, ROOM, "Bob");
    assert.equal(r.error, undefined, String(r.error));
    assert.equal(r.affiliation, "none");
    assert.equal(r.role, "participant");
    assert.equal(r.subject, "Tea");
    assert.deepEqual(r.history, ["earlier"]);
    assert.deepEqual(r.occupants, ["Alice", "Bob"]);
    assert.equal(r.stanza_id_by, ROOM);
    const m = await groupchat(alice, "hello from slixmpp", mark);
    assert.equal(m.attrs.from, `${ROOM}/Bob`);
  },
);
