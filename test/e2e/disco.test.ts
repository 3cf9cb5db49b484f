// XEP-0030 accuracy: the server and its accounts advertise exactly what is implemented. The
// server's features are an expected list (a module that registers a feature must add it here), each
// one has a probe that shows it answered, and every IQ namespace the server handles is advertised
// (or listed below as core, not a disco feature).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { ChatClient, xml, type XmlElement } from "../helpers/chat-client.ts";
import { PEP_FEATURES } from "../../src/modules/pep/pep.ts";

const INFO = "http://jabber.org/protocol/disco#info";
const ITEMS = "http://jabber.org/protocol/disco#items";

/** Every feature the server's JID advertises, sorted. */
const SERVER_FEATURES = [
  "http://jabber.org/protocol/commands",
  INFO,
  ITEMS,
  "jabber:iq:last",
  "jabber:iq:private",
  "jabber:iq:register",
  "jabber:iq:version",
  "msgoffline",
  "urn:xmpp:blocking",
  "urn:xmpp:carbons:2",
  "urn:xmpp:ping",
  "urn:xmpp:time",
  "vcard-temp",
];
/** Every feature an account's bare JID advertises (answered by the server on its behalf). */
const ACCOUNT_FEATURES = [
  INFO,
  ITEMS,
  "urn:xmpp:mam:2",
  "urn:xmpp:mam:2#extended",
  "urn:xmpp:sid:0",
  "urn:xmpp:push:0",
].sort();
/** What an account's disco#info shows: the registered features and PEP's (XEP-0163 §6). */
const ADVERTISED_FOR_ACCOUNT = [...ACCOUNT_FEATURES, ...PEP_FEATURES].sort();
/** IQ namespaces handled but not advertised: RFC 6121 core, which needs no discovery. */
const CORE_NOT_ADVERTISED = ["jabber:iq:roster"];
// Advertised only on hosts configured for them (this one is not): turn_external_secret, checked in
// external-services.test.ts.
const PER_HOST = ["urn:xmpp:extdisco:1", "urn:xmpp:extdisco:2"];

let api: TestAuthApi;
let server: TestServer;
const clients: ChatClient[] = [];
before(async () => {
  api = await startAuthApi({ "alice@localhost": "alice-pw", "bob@localhost": "bob-pw" });
  server = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    hosts: { localhost: { http_auth_url: api.url } },
  });
});
after(async () => {
  for (const c of clients) await c.stop();
  await server.stop();
  await api.close();
});
const login = async (user: string) => {
  const c = await ChatClient.login(server.port, user, `${user}-pw`);
  clients.push(c);
  return c;
};
const get = (to: string | undefined, child: XmlElement) =>
  xml("iq", { type: "get", ...(to === undefined ? {} : { to }) }, child);
const set = (child: XmlElement) => xml("iq", { type: "set" }, child);
const features = (r: XmlElement) =>
  r
    .getChild("query")
    ?.getChildren("feature")
    .map((f) => f.attrs.var ?? "") ?? [];

test("the server advertises exactly the expected features, with the server/im identity", async () => {
  const alice = await login("alice");
  const r = await alice.iq(get("localhost", xml("query", { xmlns: INFO })));
  assert.deepEqual(features(r), SERVER_FEATURES);
  const identity = r.getChild("query")?.getChild("identity");
  assert.deepEqual(
    { category: identity?.attrs.category, type: identity?.attrs.type },
    { category: "server", type: "im" },
  );
});

test("an account advertises exactly its features, with the account/registered identity", async () => {
  const alice = await login("alice");
  for (const to of ["alice@localhost", "bob@localhost"]) {
    const r = await alice.iq(get(to, xml("query", { xmlns: INFO })));
    assert.deepEqual(features(r), ADVERTISED_FOR_ACCOUNT, to);
    assert.equal(r.getChild("query")?.getChild("identity")?.attrs.category, "account");
  }
});

test("every IQ namespace the server handles is advertised (or core)", () => {
  const { ctx } = server.server;
  for (const ns of ctx.iq.namespaces())
    assert.ok(
      SERVER_FEATURES.includes(ns) || CORE_NOT_ADVERTISED.includes(ns) || PER_HOST.includes(ns),
      `${ns} is handled, not advertised`,
    );
  assert.deepEqual(ctx.disco.server(), SERVER_FEATURES);
  assert.deepEqual(ctx.disco.account(), ACCOUNT_FEATURES);
});

test("every advertised server feature answers its probe", async () => {
  const alice = await login("alice");
  const ok = async (feature: string, stanza: XmlElement) => {
    const r = await alice.iq(stanza);
    assert.equal(r.attrs.type, "result", `${feature}: ${String(r)}`);
  };
  const probes: Record<string, () => Promise<void>> = {
    "http://jabber.org/protocol/commands": () =>
      ok(
        "commands",
        get("localhost", xml("query", { xmlns: ITEMS, node: "http://jabber.org/protocol/commands" })),
      ),
    [INFO]: () => ok(INFO, get("localhost", xml("query", { xmlns: INFO }))),
    [ITEMS]: () => ok(ITEMS, get("localhost", xml("query", { xmlns: ITEMS }))),
    "jabber:iq:private": () =>
      ok(
        "private",
        get(undefined, xml("query", { xmlns: "jabber:iq:private" }, xml("x", { xmlns: "probe:ns" }))),
      ),
    "jabber:iq:register": () => ok("register", get(undefined, xml("query", { xmlns: "jabber:iq:register" }))),
    "jabber:iq:version": () => ok("version", get("localhost", xml("query", { xmlns: "jabber:iq:version" }))),
    msgoffline: async () => {
      // XEP-0160: a message to an account with no session is kept and delivered at its login.
      await alice.send(
        xml("message", { to: "bob@localhost", type: "chat" }, xml("body", {}, "while you were out")),
      );
      await alice.iq(get("localhost", xml("ping", { xmlns: "urn:xmpp:ping" })));
      const bob = await login("bob");
      await bob.send(xml("presence"));
      await bob.waitFor((s) => s.getChildText("body") === "while you were out", "the offline message");
    },
    "urn:xmpp:blocking": () =>
      ok("blocking", get(undefined, xml("blocklist", { xmlns: "urn:xmpp:blocking" }))),
    "urn:xmpp:carbons:2": () => ok("carbons", set(xml("enable", { xmlns: "urn:xmpp:carbons:2" }))),
    "urn:xmpp:ping": () => ok("ping", get("localhost", xml("ping", { xmlns: "urn:xmpp:ping" }))),
    "urn:xmpp:time": async () => {
      const r = await alice.iq(get("localhost", xml("time", { xmlns: "urn:xmpp:time" })));
      const utc = Date.parse(r.getChild("time")?.getChildText("utc") ?? "");
      assert.ok(Math.abs(utc - Date.now()) < 5000, String(r));
      assert.equal(r.getChild("time")?.getChildText("tzo"), "+00:00");
    },
    "jabber:iq:last": async () => {
      const r = await alice.iq(get("localhost", xml("query", { xmlns: "jabber:iq:last" })));
      const seconds = Number(r.getChild("query")?.attrs.seconds);
      assert.ok(Number.isInteger(seconds) && seconds >= 0 && seconds < 600, String(r));
      const user = await alice.iq(get("bob@localhost", xml("query", { xmlns: "jabber:iq:last" })));
      assert.equal(user.attrs.type, "error", "no user's last activity is kept");
    },
    "vcard-temp": async () => {
      await ok("vcard", set(xml("vCard", { xmlns: "vcard-temp" }, xml("FN", {}, "Alice"))));
      await ok("vcard", get(undefined, xml("vCard", { xmlns: "vcard-temp" })));
    },
  };
  assert.deepEqual(Object.keys(probes).sort(), SERVER_FEATURES);
  for (const f of SERVER_FEATURES) await probes[f]?.();
});
