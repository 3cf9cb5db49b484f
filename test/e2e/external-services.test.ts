// End to end, XEP-0215 with turn_external_*: a real client discovers the STUN/TURN server and gets
// credentials that a TURN server with the same secret accepts (checked the way coturn's
// use-auth-secret does); a host without the secret offers nothing; the secret is never logged.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { ChatClient, condition, xml, type XmlElement } from "../helpers/chat-client.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";

const SECRET = "turn-secret-5a1c9e";
const NS = "urn:xmpp:extdisco:2";
let api: TestAuthApi;
let srv: TestServer;

before(async () => {
  api = await startAuthApi({ "alice@localhost": "alice-pw" });
  srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    hosts: {
      localhost: {
        http_auth_url: api.url,
        turn_external_secret: SECRET,
        turn_external_host: "turn.example.net",
        turn_external_tls_port: 5349,
        turn_external_user: "xmpp",
        turn_external_ttl: 3600,
      },
    },
  });
});

after(async () => {
  await srv.stop();
  await api.close();
});

const get = (c: ChatClient, payload: ReturnType<typeof xml>, to = "localhost") =>
  c.iq(xml("iq", { type: "get", to }, payload));
const services = (reply: XmlElement) => reply.getChild("services", NS)?.getChildren("service") ?? [];
const describe = (s: XmlElement) => `${s.attrs.type}/${s.attrs.transport} ${s.attrs.host}:${s.attrs.port}`;

/** The server's disco#info features (XEP-0030 §3.1). */
async function serverFeatures(c: ChatClient): Promise<(string | undefined)[]> {
  const info = await get(c, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }));
  return (
    info
      .getChild("query")
      ?.getChildren("feature")
      .map((f) => f.attrs.var) ?? []
  );
}

/** What a TURN server with the shared secret checks: the password is HMAC-SHA1(secret, username). */
function acceptedByTurn(s: XmlElement): boolean {
  const expected = createHmac("sha1", SECRET).update(String(s.attrs.username)).digest("base64");
  return s.attrs.password === expected;
}

test("the server lists STUN and TURN, with TURN credentials a TURN server sharing the secret accepts", async () => {
  const alice = await ChatClient.login(srv.port, "alice", "alice-pw");
  try {
    const features = await serverFeatures(alice);
    assert.ok(features.includes(NS) && features.includes("urn:xmpp:extdisco:1"), "advertised");

    const all = services(await get(alice, xml("services", { xmlns: NS })));
    assert.deepEqual(all.map(describe), [
      "stun/udp turn.example.net:3478",
      "turn/udp turn.example.net:3478",
      "turns/tcp turn.example.net:5349",
    ]);
    const stun = all[0] as XmlElement;
    assert.equal(stun.attrs.username, undefined, "STUN needs no credentials");
    for (const s of all.slice(1)) {
      assert.equal(s.attrs.restricted, "1");
      const [expiry, name] = String(s.attrs.username).split(":");
      assert.equal(name, "xmpp");
      const inSeconds = Number(expiry) - Date.now() / 1000;
      assert.ok(inSeconds > 3590 && inSeconds <= 3601, `valid for turn_external_ttl, got ${inSeconds} s`);
      assert.equal(Date.parse(String(s.attrs.expires)), Number(expiry) * 1000, "expires says the same");
      assert.ok(acceptedByTurn(s), "the password is HMAC-SHA1(secret, username)");
    }

    // §3.2: one type.
    const turn = services(await get(alice, xml("services", { xmlns: NS, type: "turn" })));
    assert.deepEqual(turn.map(describe), ["turn/udp turn.example.net:3478"]);

    // §3.3: credentials for a named service; the old namespace answers the same way.
    const creds = await get(
      alice,
      xml(
        "credentials",
        { xmlns: "urn:xmpp:extdisco:1" },
        xml("service", { type: "turn", host: "turn.example.net" }),
      ),
    );
    const got = creds.getChild("credentials", "urn:xmpp:extdisco:1")?.getChildren("service") ?? [];
    assert.deepEqual(got.map(describe), ["turn/udp turn.example.net:3478"]);
    assert.ok(acceptedByTurn(got[0] as XmlElement));
    const none = await get(
      alice,
      xml(
        "credentials",
        { xmlns: NS },
        xml("service", { type: "turn", host: "turn.example.net", port: "9" }),
      ),
    );
    assert.deepEqual(none.getChild("credentials", NS)?.getChildren("service"), []);
    const bad = await get(alice, xml("credentials", { xmlns: NS }, xml("service", { type: "turn" })));
    assert.equal(condition(bad), "bad-request");
  } finally {
    await alice.stop();
  }
  assert.ok(!srv.logs.some((l) => l.includes(SECRET)), "the secret is never logged");
});

test("a host without turn_external_secret offers nothing: no feature, service-unavailable", async () => {
  const plain = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    hosts: { localhost: { http_auth_url: api.url } },
  });
  const alice = await ChatClient.login(plain.port, "alice", "alice-pw");
  try {
    const features = await serverFeatures(alice);
    assert.ok(features.includes("urn:xmpp:ping") && !features.includes(NS));
    assert.equal(condition(await get(alice, xml("services", { xmlns: NS }))), "service-unavailable");
  } finally {
    await alice.stop();
    await plain.stop();
  }
});
