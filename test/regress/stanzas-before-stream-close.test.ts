// Regression (issue 10, defect 11): a stanza written together with the closing tag was lost (the
// stream end ran at once, ahead of the queued stanzas), over plain TCP, STARTTLS and WebSocket,
// while Prosody delivers it. Guards RFC 6120 §4.4: every stanza sent before </stream:stream> or
// <close/> is processed, in order, before the stream closes, also when the client hangs up at once.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { NS_FRAMING, WsRawClient } from "../helpers/ws-client.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";

let api: TestAuthApi;
let srv: TestServer;
let bob: RawClient;

before(async () => {
  api = await startAuthApi({ "alice@localhost": "pw", "bob@localhost": "pw" });
  srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    http_ports: [0],
    consider_websocket_secure: true,
    hosts: {
      localhost: {
        http_auth_url: api.url,
        allow_unencrypted_plain_auth: true,
        c2s_require_encryption: false,
      },
    },
  });
  bob = await RawClient.connect(srv.port);
  bob.open();
  await bob.waitFor("</stream:features>");
  await bob.login("bob", "pw", "localhost", "desk");
});

after(async () => {
  bob.destroy();
  await srv.stop();
  await api.close();
});

const message = (tag: string) =>
  `<message to='bob@localhost/desk' type='chat' id='${tag}'><body>${tag}</body></message>`;

/** Waits until bob has every one of these message ids, and checks their order. */
async function bobGets(tags: string[]): Promise<void> {
  for (const tag of tags) await bob.waitFor(`id="${tag}"`, 5000);
  const positions = tags.map((t) => bob.received.indexOf(`id="${t}"`));
  assert.deepEqual(
    positions,
    [...positions].sort((a, b) => a - b),
    "delivered in the order sent",
  );
}

async function tcpAlice(mode: "plain" | "starttls" | "direct"): Promise<RawClient> {
  const alice =
    mode === "direct"
      ? await RawClient.connect(srv.tlsPort, { tls: true })
      : await RawClient.connect(srv.port);
  alice.open();
  await alice.waitFor("</stream:features>");
  if (mode === "starttls") await alice.starttls();
  await alice.login("alice", "pw", "localhost", mode);
  return alice;
}

for (const mode of ["plain", "starttls", "direct"] as const) {
  test(`${mode}: stanzas in the same write as </stream:stream> are delivered, in order`, async () => {
    const alice = await tcpAlice(mode);
    alice.write(message(`${mode}-1`) + message(`${mode}-2`) + "</stream:stream>");
    await bobGets([`${mode}-1`, `${mode}-2`]);
    await alice.waitFor("</stream:stream>");
    await alice.waitClosed();
  });

  test(`${mode}: a client that hangs up right after its closing tag still has its stanzas delivered`, async () => {
    const alice = await tcpAlice(mode);
    alice.write(message(`${mode}-quit-1`) + message(`${mode}-quit-2`));
    alice.close(); // </stream:stream> and FIN at once
    await bobGets([`${mode}-quit-1`, `${mode}-quit-2`]);
  });
}

test("websocket: a message frame then <close/> back to back is delivered", async () => {
  const alice = await WsRawClient.connect(`ws://127.0.0.1:${srv.httpPort}/xmpp-websocket`);
  await alice.login("alice", "pw", "ws");
  alice.send(message("ws-1"));
  alice.send(message("ws-2"));
  alice.send(`<close xmlns='${NS_FRAMING}'/>`);
  alice.close();
  await bobGets(["ws-1", "ws-2"]);
});
