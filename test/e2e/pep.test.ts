// End to end with @xmpp/client, on SQLite (the default) and PostgreSQL (storage = "sql"): PEP
// (XEP-0163) between real clients that announce entity capabilities (XEP-0115) and answer the
// server's disco#info: notifications filtered by +notify, the last item on coming online, access
// models for contacts and strangers, publish-options preconditions, retract, delete, max_items,
// OMEMO's open nodes, XEP-0402 ⇄ XEP-0048 bookmarks and XEP-0398 avatars.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { onEachStorage } from "../helpers/chat-stores.ts";
import { createHash } from "node:crypto";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import {
  ChatClient,
  condition,
  isPresence,
  rosterItem,
  xml,
  type XmlElement,
} from "../helpers/chat-client.ts";

const PUBSUB = "http://jabber.org/protocol/pubsub";
const EVENT = `${PUBSUB}#event`;
const OWNER = `${PUBSUB}#owner`;
const ERRORS = `${PUBSUB}#errors`;
const DISCO = "http://jabber.org/protocol/disco#info";
const MOOD = "http://jabber.org/protocol/mood";
const TUNE = "http://jabber.org/protocol/tune";
const DEVICES = "eu.siacs.conversations.axolotl.devicelist";
const BUNDLE = "eu.siacs.conversations.axolotl.bundles:4711";
const BOOKMARKS2 = "urn:xmpp:bookmarks:1";
const CAPS_NODE = "https://example.org/pep-test";
const USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace"];

/** XEP-0115 §5.1 for one identity and some features (what these test clients announce). */
function ver(features: string[]): string {
  const s =
    "client/pc//pep-test<" +
    [...features]
      .sort()
      .map((f) => `${f}<`)
      .join("");
  return createHash("sha1").update(s).digest("base64");
}

const form = (type: string, fields: Record<string, string>) =>
  xml(
    "x",
    { xmlns: "jabber:x:data", type },
    xml(
      "field",
      { var: "FORM_TYPE", type: "hidden" },
      xml("value", {}, type === "submit" ? `${PUBSUB}#publish-options` : ""),
    ),
    ...Object.entries(fields).map(([k, v]) => xml("field", { var: k }, xml("value", {}, v))),
  );
const publish = (node: string, payload: XmlElement, id?: string, options?: Record<string, string>) =>
  xml(
    "iq",
    { type: "set" },
    xml(
      "pubsub",
      { xmlns: PUBSUB },
      xml("publish", { node }, xml("item", id === undefined ? {} : { id }, payload)),
      ...(options === undefined ? [] : [xml("publish-options", {}, form("submit", options))]),
    ),
  );
const getItems = (to: string, node: string, attrs: Record<string, string> = {}, ...ids: string[]) =>
  xml(
    "iq",
    { type: "get", to },
    xml(
      "pubsub",
      { xmlns: PUBSUB },
      xml("items", { node, ...attrs }, ...ids.map((id) => xml("item", { id }))),
    ),
  );
const owner = (type: string, child: XmlElement) =>
  xml("iq", { type }, xml("pubsub", { xmlns: OWNER }, child));
const mood = (m: string) => xml("mood", { xmlns: MOOD }, xml(m, {}));
const itemIds = (r: XmlElement) =>
  r
    .getChild("pubsub", PUBSUB)
    ?.getChild("items")
    ?.getChildren("item")
    .map((i) => i.attrs.id);
const pubsubCondition = (r: XmlElement) =>
  r
    .getChild("error")
    ?.children.find((c): c is XmlElement => typeof c !== "string" && c.attrs.xmlns === ERRORS)?.name;
/** An event message from `from` about `node` whose item (or retract, or delete) matches. */
const isEvent =
  (from: string, node: string, kind: "item" | "retract" | "delete", id?: string) => (s: XmlElement) => {
    if (s.name !== "message" || s.attrs.from !== from) return false;
    const ev = s.getChild("event", EVENT);
    if (kind === "delete") return ev?.getChild("delete")?.attrs.node === node;
    const items = ev?.getChild("items");
    return (
      items?.attrs.node === node && items.getChildren(kind).some((i) => id === undefined || i.attrs.id === id)
    );
  };

function suite(storage: () => Record<string, unknown>, cleanup: () => Promise<void> = async () => {}): void {
  let api: TestAuthApi;
  let server: TestServer;
  const clients: ChatClient[] = [];
  let queries = 0;
  /** Caps vers the server has seen (and cached, once verified). */
  const knownVers = new Set<string>();

  /** Logs in, answers disco#info for its caps, fetches the roster and goes online with caps. */
  const online = async (user: string, notify: string[], resource?: string) => {
    const c = await ChatClient.login(server.port, user, `${user}-pw`, resource);
    clients.push(c);
    const features = [DISCO, ...notify.map((n) => `${n}+notify`)];
    let answered: () => void = () => {};
    const asked = new Promise<void>((resolve) => (answered = resolve));
    c.xmpp.iqCallee.get(DISCO, "query", ({ stanza }) => {
      queries++;
      setImmediate(answered);
      return xml(
        "query",
        { xmlns: DISCO, node: stanza.getChild("query")?.attrs.node },
        xml("identity", { category: "client", type: "pc", name: "pep-test" }),
        ...features.map((f) => xml("feature", { var: f })),
      );
    });
    await c.iq(xml("iq", { type: "get" }, xml("query", { xmlns: "jabber:iq:roster" })));
    await c.send(
      xml(
        "presence",
        {},
        xml("c", {
          xmlns: "http://jabber.org/protocol/caps",
          hash: "sha-1",
          node: CAPS_NODE,
          ver: ver(features),
        }),
      ),
    );
    await c.waitFor(isPresence(c.jid), "own presence echoed");
    // A new ver is asked about: once answered, a ping round trip (stanzas of a session are handled
    // in order) means the server has read the answer. A known one is resolved from the cache at once.
    const v = ver(features);
    if (!knownVers.has(v)) {
      knownVers.add(v);
      await asked;
      await c.iq(xml("iq", { type: "get", to: "localhost" }, xml("ping", { xmlns: "urn:xmpp:ping" })));
    }
    return c;
  };

  /** Mutual presence subscription (roster "both" on either side). */
  const befriend = async (a: ChatClient, b: ChatClient) => {
    const both = (c: ChatClient, jid: string) =>
      c.waitFor(
        (s) => s.name === "iq" && rosterItem(s, jid)?.attrs.subscription === "both",
        `both with ${jid}`,
      );
    await a.send(xml("presence", { to: b.bare, type: "subscribe" }));
    await b.waitFor(isPresence(a.bare, "subscribe"), "subscribe");
    await b.send(xml("presence", { to: a.bare, type: "subscribed" }));
    await b.send(xml("presence", { to: a.bare, type: "subscribe" }));
    await a.waitFor(isPresence(b.bare, "subscribe"), "subscribe back");
    await a.send(xml("presence", { to: b.bare, type: "subscribed" }));
    await both(a, b.bare);
    await both(b, a.bare);
  };

  before(async () => {
    api = await startAuthApi(Object.fromEntries(USERS.map((u) => [`${u}@localhost`, `${u}-pw`])));
    server = await startServer({
      certificate: TEST_CERT,
      key: TEST_KEY,
      ...storage(),
      pep_max_items: 50,
      pep_max_nodes: 8,
      pep_max_item_size: 4096,
      hosts: { localhost: { http_auth_url: api.url } },
    });
  });
  after(async () => {
    for (const c of clients) await c.stop();
    await server.stop();
    await api.close();
    await cleanup();
  });

  test("the account's disco#info shows the pubsub/pep identity and the features implemented", async () => {
    const alice = await online("alice", []);
    const r = await alice.iq(xml("iq", { type: "get", to: alice.bare }, xml("query", { xmlns: DISCO })));
    const q = r.getChild("query", DISCO);
    assert.ok(
      q?.getChildren("identity").some((i) => i.attrs.category === "pubsub" && i.attrs.type === "pep"),
    );
    const features = q?.getChildren("feature").map((f) => f.attrs.var) ?? [];
    for (const f of [
      "publish",
      "publish-options",
      "auto-create",
      "retract-items",
      "retrieve-items",
      "access-open",
      "access-whitelist",
    ])
      assert.ok(features.includes(`${PUBSUB}#${f}`), f);
    assert.ok(features.includes(`${BOOKMARKS2}#compat`));
    assert.ok(!features.includes(`${PUBSUB}#subscribe`));
  });

  test("notifications follow +notify and presence subscriptions; the last item arrives on coming online", async () => {
    const alice = await online("alice", [MOOD]);
    const bobFirst = await online("bob", [MOOD]);
    await befriend(alice, bobFirst);
    await bobFirst.stop();
    // Published while bob is away; bob comes back announcing mood+notify and gets it.
    const r = await alice.iq(publish(MOOD, mood("happy"), "m1"));
    assert.equal(r.attrs.type, "result", String(r));
    assert.equal(r.getChild("pubsub", PUBSUB)?.getChild("publish")?.getChild("item")?.attrs.id, "m1");
    await alice.waitFor(isEvent(alice.bare, MOOD, "item", "m1"), "own notification");
    const bob = await online("bob", [MOOD], "phone");
    const last = await bob.waitFor(isEvent(alice.bare, MOOD, "item", "m1"), "last item on presence");
    assert.equal(last.attrs.type, "headline");
    assert.ok(
      last
        .getChild("event", EVENT)
        ?.getChild("items")
        ?.getChild("item")
        ?.getChild("mood", MOOD)
        ?.getChild("happy"),
    );
    // A second resource with the same caps is served from the verified cache: no new query.
    const before = queries;
    const bobTablet = await online("bob", [MOOD], "tablet");
    await bobTablet.waitFor(isEvent(alice.bare, MOOD, "item", "m1"), "last item from cache");
    assert.equal(queries, before);
    // A stranger with the same caps, and a contact without mood+notify, get nothing.
    const carol = await online("carol", [MOOD]);
    const dave = await online("dave", [TUNE]);
    await befriend(alice, dave);
    const mark = bob.received.length;
    // No id given: the server makes one.
    const r2 = await alice.iq(publish(MOOD, mood("sad")));
    const id = r2.getChild("pubsub", PUBSUB)?.getChild("publish")?.getChild("item")?.attrs.id;
    assert.ok(id !== undefined && id.length > 0);
    await bob.waitFor(isEvent(alice.bare, MOOD, "item", id), "live notification", 3000, mark);
    await bobTablet.waitFor(isEvent(alice.bare, MOOD, "item", id), "live notification on the tablet");
    await carol.assertNone(isEvent(alice.bare, MOOD, "item"), "notification to a stranger");
    await dave.assertNone(isEvent(alice.bare, MOOD, "item"), "notification without +notify");
  });

  test("access models: presence for contacts, open for anyone, whitelist for the owner alone", async () => {
    const erin = await online("erin", []);
    const frank = await online("frank", []);
    const carol = await online("carol", []);
    await befriend(erin, frank);
    await erin.iq(publish("urn:test:presence", xml("p", { xmlns: "urn:test" }), "1"));
    await erin.iq(
      publish("urn:test:open", xml("p", { xmlns: "urn:test" }), "1", { "pubsub#access_model": "open" }),
    );
    await erin.iq(
      publish("urn:test:private", xml("p", { xmlns: "urn:test" }), "1", {
        "pubsub#access_model": "whitelist",
      }),
    );
    assert.deepEqual(itemIds(await frank.iq(getItems(erin.bare, "urn:test:presence"))), ["1"]);
    const denied = await carol.iq(getItems(erin.bare, "urn:test:presence"));
    assert.equal(condition(denied), "not-authorized");
    assert.equal(pubsubCondition(denied), "presence-subscription-required");
    assert.deepEqual(itemIds(await carol.iq(getItems(erin.bare, "urn:test:open"))), ["1"]);
    const closed = await frank.iq(getItems(erin.bare, "urn:test:private"));
    assert.equal(condition(closed), "not-allowed");
    assert.equal(pubsubCondition(closed), "closed-node");
    assert.deepEqual(itemIds(await erin.iq(getItems(erin.bare, "urn:test:private"))), ["1"]);
    assert.equal(condition(await carol.iq(getItems(erin.bare, "urn:test:none"))), "item-not-found");
    // disco#items lists what the asker may see.
    const nodes = async (c: ChatClient) =>
      (
        await c.iq(
          xml(
            "iq",
            { type: "get", to: erin.bare },
            xml("query", { xmlns: "http://jabber.org/protocol/disco#items" }),
          ),
        )
      )
        .getChild("query")
        ?.getChildren("item")
        .map((i) => i.attrs.node)
        .sort();
    assert.deepEqual(await nodes(carol), ["urn:test:open"]);
    assert.deepEqual(await nodes(frank), ["urn:test:open", "urn:test:presence"]);
    // Nobody publishes to another's PEP.
    const foreign = await carol.iq(
      xml(
        "iq",
        { type: "set", to: erin.bare },
        publish("x", xml("p", { xmlns: "urn:test" })).getChild("pubsub")!,
      ),
    );
    assert.equal(condition(foreign), "forbidden");
  });

  test("publish-options are preconditions; the owner reconfigures; max_items holds", async () => {
    const erin = await online("erin", []);
    await erin.iq(publish("urn:test:pre", xml("p", { xmlns: "urn:test" }), "1"));
    const unmet = await erin.iq(
      publish("urn:test:pre", xml("p", { xmlns: "urn:test" }), "2", { "pubsub#access_model": "open" }),
    );
    assert.equal(condition(unmet), "conflict");
    assert.equal(pubsubCondition(unmet), "precondition-not-met");
    const conf = await erin.iq(owner("get", xml("configure", { node: "urn:test:pre" })));
    const field = (r: XmlElement, v: string) =>
      r
        .getChild("pubsub", OWNER)
        ?.getChild("configure")
        ?.getChild("x")
        ?.getChildren("field")
        .find((f) => f.attrs.var === v)
        ?.getChildText("value");
    assert.equal(field(conf, "pubsub#access_model"), "presence");
    const set = await erin.iq(
      owner(
        "set",
        xml(
          "configure",
          { node: "urn:test:pre" },
          form("submit", { "pubsub#access_model": "open", "pubsub#max_items": "2" }),
        ),
      ),
    );
    assert.equal(set.attrs.type, "result", String(set));
    for (const id of ["2", "3", "4"]) {
      const r = await erin.iq(
        publish("urn:test:pre", xml("p", { xmlns: "urn:test" }), id, { "pubsub#access_model": "open" }),
      );
      assert.equal(r.attrs.type, "result", String(r));
    }
    assert.deepEqual(itemIds(await erin.iq(getItems(erin.bare, "urn:test:pre"))), ["3", "4"]);
    assert.deepEqual(itemIds(await erin.iq(getItems(erin.bare, "urn:test:pre", { max_items: "1" }))), ["4"]);
    const tooMany = await erin.iq(
      publish("urn:test:big", xml("p", { xmlns: "urn:test" }), "1", { "pubsub#max_items": "51" }),
    );
    assert.equal(pubsubCondition(tooMany), "precondition-not-met");
    const noPayload = await erin.iq(
      xml(
        "iq",
        { type: "set" },
        xml("pubsub", { xmlns: PUBSUB }, xml("publish", { node: "n" }, xml("item", { id: "1" }))),
      ),
    );
    assert.equal(condition(noPayload), "bad-request");
    assert.equal(pubsubCondition(noPayload), "payload-required");
  });

  test("retract with notify and delete reach contacts with +notify", async () => {
    const alice = await online("alice", [TUNE]);
    await alice.iq(publish(TUNE, xml("tune", { xmlns: TUNE }, xml("title", {}, "x")), "t1"));
    const bob = await online("bob", [TUNE], "retract");
    await bob.waitFor(isEvent(alice.bare, TUNE, "item", "t1"), "tune");
    const retract = xml(
      "iq",
      { type: "set" },
      xml(
        "pubsub",
        { xmlns: PUBSUB },
        xml("retract", { node: TUNE, notify: "true" }, xml("item", { id: "t1" })),
      ),
    );
    assert.equal((await alice.iq(retract)).attrs.type, "result");
    await bob.waitFor(isEvent(alice.bare, TUNE, "retract", "t1"), "retraction");
    assert.deepEqual(itemIds(await bob.iq(getItems(alice.bare, TUNE))), []);
    assert.equal(condition(await alice.iq(retract)), "item-not-found");
    assert.equal((await alice.iq(owner("set", xml("delete", { node: TUNE })))).attrs.type, "result");
    await bob.waitFor(isEvent(alice.bare, TUNE, "delete"), "deletion");
    assert.equal(condition(await bob.iq(getItems(alice.bare, TUNE))), "item-not-found");
  });

  test("OMEMO: a stranger fetches the device list and a bundle published with access_model open", async () => {
    const alice = await online("alice", [DEVICES]);
    const carol = await online("carol", []);
    const open = { "pubsub#access_model": "open" };
    const list = xml("list", { xmlns: "eu.siacs.conversations.axolotl" }, xml("device", { id: "4711" }));
    assert.equal((await alice.iq(publish(DEVICES, list, "current", open))).attrs.type, "result");
    const bundle = xml(
      "bundle",
      { xmlns: "eu.siacs.conversations.axolotl" },
      xml("signedPreKeyPublic", { signedPreKeyId: "1" }, "AAAA"),
    );
    assert.equal((await alice.iq(publish(BUNDLE, bundle, "current", open))).attrs.type, "result");
    const devices = await carol.iq(getItems(alice.bare, DEVICES));
    assert.equal(
      devices
        .getChild("pubsub", PUBSUB)
        ?.getChild("items")
        ?.getChild("item")
        ?.getChild("list")
        ?.getChild("device")?.attrs.id,
      "4711",
    );
    const b = await carol.iq(getItems(alice.bare, BUNDLE, { max_items: "1" }));
    assert.equal(
      b
        .getChild("pubsub", PUBSUB)
        ?.getChild("items")
        ?.getChild("item")
        ?.getChild("bundle")
        ?.getChildText("signedPreKeyPublic"),
      "AAAA",
    );
  });

  test("XEP-0402 bookmarks and XEP-0048 private bookmarks stay in step both ways", async () => {
    const frank = await online("frank", [BOOKMARKS2]);
    const options = {
      "pubsub#access_model": "whitelist",
      "pubsub#persist_items": "true",
      "pubsub#max_items": "max",
      "pubsub#send_last_published_item": "never",
    };
    const conf = xml(
      "conference",
      { xmlns: BOOKMARKS2, name: "Coven", autojoin: "true" },
      xml("nick", {}, "fr"),
    );
    const r = await frank.iq(publish(BOOKMARKS2, conf, "coven@muc.localhost", options));
    assert.equal(r.attrs.type, "result", String(r));
    const privateGet = () =>
      frank.iq(
        xml(
          "iq",
          { type: "get" },
          xml("query", { xmlns: "jabber:iq:private" }, xml("storage", { xmlns: "storage:bookmarks" })),
        ),
      );
    const legacy = (await privateGet())
      .getChild("query")
      ?.getChild("storage", "storage:bookmarks")
      ?.getChildren("conference");
    assert.equal(legacy?.length, 1);
    assert.equal(legacy?.[0]?.attrs.jid, "coven@muc.localhost");
    assert.equal(legacy?.[0]?.attrs.autojoin, "true");
    assert.equal(legacy?.[0]?.getChildText("nick"), "fr");
    // An old client replaces the list: the PEP node follows, with notifications.
    const mark = frank.received.length;
    const storage = xml(
      "storage",
      { xmlns: "storage:bookmarks" },
      xml("conference", { jid: "tea@muc.localhost", name: "Tea", autojoin: "false" }),
      xml("url", { name: "site", url: "https://example.org" }),
    );
    assert.equal(
      (await frank.iq(xml("iq", { type: "set" }, xml("query", { xmlns: "jabber:iq:private" }, storage))))
        .attrs.type,
      "result",
    );
    assert.deepEqual(itemIds(await frank.iq(getItems(frank.bare, BOOKMARKS2))), ["tea@muc.localhost"]);
    await frank.waitFor(
      isEvent(frank.bare, BOOKMARKS2, "item", "tea@muc.localhost"),
      "bookmark published",
      3000,
      mark,
    );
    await frank.waitFor(
      isEvent(frank.bare, BOOKMARKS2, "retract", "coven@muc.localhost"),
      "bookmark retracted",
      3000,
      mark,
    );
    // The <url/> an old client kept survives a PEP publish.
    await frank.iq(
      publish(BOOKMARKS2, xml("conference", { xmlns: BOOKMARKS2, autojoin: "1" }), "new@muc.localhost"),
    );
    const after = (await privateGet()).getChild("query")?.getChild("storage", "storage:bookmarks");
    assert.deepEqual(
      after
        ?.getChildren("conference")
        .map((c) => c.attrs.jid)
        .sort(),
      ["new@muc.localhost", "tea@muc.localhost"],
    );
    assert.equal(after?.getChildren("url").length, 1);
  });

  test("XEP-0398: a vCard PHOTO becomes a PEP avatar, and a PEP avatar the vCard PHOTO", async () => {
    const dave = await online("dave", []);
    const png = Buffer.from("not really a png, but bytes");
    const sha1 = createHash("sha1").update(png).digest("hex");
    const vcard = xml(
      "vCard",
      { xmlns: "vcard-temp" },
      xml("FN", {}, "Dave"),
      xml("PHOTO", {}, xml("TYPE", {}, "image/png"), xml("BINVAL", {}, png.toString("base64"))),
    );
    assert.equal((await dave.iq(xml("iq", { type: "set" }, vcard))).attrs.type, "result");
    const meta = await dave.iq(getItems(dave.bare, "urn:xmpp:avatar:metadata"));
    const info = meta
      .getChild("pubsub", PUBSUB)
      ?.getChild("items")
      ?.getChild("item")
      ?.getChild("metadata")
      ?.getChild("info");
    assert.equal(info?.attrs.id, sha1);
    assert.equal(info?.attrs.bytes, String(png.length));
    const data = await dave.iq(getItems(dave.bare, "urn:xmpp:avatar:data", {}, sha1));
    assert.equal(
      data.getChild("pubsub", PUBSUB)?.getChild("items")?.getChild("item")?.getChildText("data"),
      png.toString("base64"),
    );
    // The other way: a client publishes an avatar through PEP.
    const img = Buffer.from("another image");
    const id = createHash("sha1").update(img).digest("hex");
    await dave.iq(
      publish(
        "urn:xmpp:avatar:data",
        xml("data", { xmlns: "urn:xmpp:avatar:data" }, img.toString("base64")),
        id,
      ),
    );
    await dave.iq(
      publish(
        "urn:xmpp:avatar:metadata",
        xml(
          "metadata",
          { xmlns: "urn:xmpp:avatar:metadata" },
          xml("info", { id, bytes: String(img.length), type: "image/jpeg" }),
        ),
        id,
      ),
    );
    const card = (
      await dave.iq(xml("iq", { type: "get", to: dave.bare }, xml("vCard", { xmlns: "vcard-temp" })))
    ).getChild("vCard", "vcard-temp");
    assert.equal(card?.getChildText("FN"), "Dave");
    assert.equal(card?.getChild("PHOTO")?.getChildText("BINVAL"), img.toString("base64"));
    assert.equal(card?.getChild("PHOTO")?.getChildText("TYPE"), "image/jpeg");
  });

  test("a new contact gets the owner's last items once the subscription is approved", async () => {
    const alice = await online("alice", [MOOD]);
    const carol = await online("carol", [MOOD]);
    await alice.iq(publish(MOOD, mood("curious"), "m9"));
    await carol.assertNone(isEvent(alice.bare, MOOD, "item", "m9"), "notification before subscribing");
    await carol.send(xml("presence", { to: alice.bare, type: "subscribe" }));
    await alice.waitFor(isPresence(carol.bare, "subscribe"), "subscribe");
    await alice.send(xml("presence", { to: carol.bare, type: "subscribed" }));
    await carol.waitFor(isEvent(alice.bare, MOOD, "item", "m9"), "last item on subscription");
  });

  test("limits: nodes per account and payload size are refused with their conditions", async () => {
    const grace = await online("grace", []);
    const p = xml("p", { xmlns: "urn:test" });
    for (let i = 0; i < 8; i++)
      assert.equal((await grace.iq(publish(`urn:test:n${i}`, p, "1"))).attrs.type, "result");
    const full = await grace.iq(publish("urn:test:n8", p, "1"));
    assert.equal(condition(full), "resource-constraint");
    const create = xml(
      "iq",
      { type: "set" },
      xml("pubsub", { xmlns: PUBSUB }, xml("create", { node: "urn:test:n9" })),
    );
    assert.equal(condition(await grace.iq(create)), "resource-constraint");
    const big = await grace.iq(
      publish("urn:test:n0", xml("p", { xmlns: "urn:test" }, "x".repeat(5000)), "2"),
    );
    assert.equal(condition(big), "not-acceptable");
    assert.equal(pubsubCondition(big), "payload-too-big");
    assert.deepEqual(itemIds(await grace.iq(getItems(grace.bare, "urn:test:n0"))), ["1"]);
    // Deleting a node makes room again.
    assert.equal((await grace.iq(owner("set", xml("delete", { node: "urn:test:n7" })))).attrs.type, "result");
    assert.equal((await grace.iq(publish("urn:test:n8", p, "1"))).attrs.type, "result");
  });
}

onEachStorage("PEP", suite);
