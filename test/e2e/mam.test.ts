// End to end with @xmpp/client, on SQLite (the default) and PostgreSQL (storage = "sql"): XEP-0313
// archives. Two accounts chat; a third device of one of them pages through the archive and finds
// the messages under the stanza-ids (XEP-0359) that were delivered live; filters, RSM paging both
// ways, unknown ids, preferences, forged stanza-ids, offline messages and disco.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { onEachStorage } from "../helpers/chat-stores.ts";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { ChatClient, condition, xml, type XmlElement } from "../helpers/chat-client.ts";

const MAM = "urn:xmpp:mam:2";
const SID = "urn:xmpp:sid:0";
const RSM = "http://jabber.org/protocol/rsm";
const USERS = ["alice", "bob", "carol", "dave", "erin", "frank"];

const chat = (to: string, body: string, ...extra: XmlElement[]) =>
  xml("message", { to, type: "chat", id: `m-${body}` }, xml("body", {}, body), ...extra);
const isBody = (body: string) => (s: XmlElement) => s.name === "message" && s.getChildText("body") === body;
const stanzaId = (s: XmlElement, by: string) =>
  s.getChildren("stanza-id", SID).find((e) => e.attrs.by === by)?.attrs.id;

const field = (name: string, ...values: string[]) =>
  xml("field", { var: name }, ...values.map((v) => xml("value", {}, v)));
const form = (...fields: XmlElement[]) =>
  xml("x", { xmlns: "jabber:x:data", type: "submit" }, field("FORM_TYPE", MAM), ...fields);
const rsm = (max?: number, after?: string, before?: string) =>
  xml(
    "set",
    { xmlns: RSM },
    ...(max === undefined ? [] : [xml("max", {}, String(max))]),
    ...(after === undefined ? [] : [xml("after", {}, after)]),
    ...(before === undefined ? [] : [xml("before", {}, before)]),
  );

interface Page {
  iq: XmlElement;
  /** [archive id, body, forwarded message] in the order received. */
  results: {
    id: string;
    body: string | undefined;
    message: XmlElement | undefined;
    stamp: string | undefined;
  }[];
  fin: XmlElement | undefined;
}

/** Runs a query and collects its <result/> messages, which arrive before the IQ result. */
async function query(c: ChatClient, children: XmlElement[], to?: string): Promise<Page> {
  const queryid = `q${Math.random().toString(36).slice(2)}`;
  const mark = c.received.length;
  const iq = await c.iq(
    xml("iq", { type: "set", ...(to ? { to } : {}) }, xml("query", { xmlns: MAM, queryid }, ...children)),
  );
  const results = c.received
    .slice(mark)
    .map((s) => s.getChild("result", MAM))
    .filter((r): r is XmlElement => r !== undefined && r.attrs.queryid === queryid)
    .map((r) => {
      const fwd = r.getChild("forwarded", "urn:xmpp:forward:0");
      const message = fwd?.getChild("message");
      return {
        id: r.attrs.id ?? "",
        body: message?.getChildText("body") ?? undefined,
        message,
        stamp: fwd?.getChild("delay", "urn:xmpp:delay")?.attrs.stamp,
      };
    });
  return { iq, results, fin: iq.getChild("fin", MAM) };
}

const setOf = (p: Page) => p.fin?.getChild("set", RSM);

function suite(storage: () => Record<string, unknown>, cleanup: () => Promise<void> = async () => {}): void {
  let api: TestAuthApi;
  let server: TestServer;
  const clients: ChatClient[] = [];
  const online = async (user: string, resource?: string) => {
    const c = await ChatClient.online(server.port, user, resource);
    clients.push(c);
    return c;
  };

  before(async () => {
    api = await startAuthApi(Object.fromEntries(USERS.map((u) => [`${u}@localhost`, `${u}-pw`])));
    server = await startServer({
      certificate: TEST_CERT,
      key: TEST_KEY,
      ...storage(),
      max_archive_query_results: 5,
      mam_include_total: true,
      hosts: { localhost: { http_auth_url: api.url } },
    });
  });
  after(async () => {
    for (const c of clients) await c.stop();
    await server.stop();
    await api.close();
    await cleanup();
  });

  test("a third device finds the conversation under the stanza-ids delivered live", async () => {
    const alice = await online("alice", "phone");
    const bob = await online("bob", "desk");
    const laptop = await online("alice", "laptop");
    const en = await laptop.iq(xml("iq", { type: "set" }, xml("enable", { xmlns: "urn:xmpp:carbons:2" })));
    assert.equal(en.attrs.type, "result");

    await alice.send(chat("bob@localhost", "hello bob"));
    const atBob = await bob.waitFor(isBody("hello bob"), "alice's message");
    const bobsId = stanzaId(atBob, "bob@localhost");
    assert.ok(bobsId, "bob's copy carries bob's stanza-id");
    assert.equal(stanzaId(atBob, "alice@localhost"), undefined, "never the sender's id (§3.5)");
    // The sender's other device learns the sender's id from the carbon (XEP-0313 §3.5).
    const sent = await laptop.waitFor(
      (s) => s.getChild("sent", "urn:xmpp:carbons:2") !== undefined,
      "sent carbon",
    );
    const carbonCopy = sent.getChild("sent")?.getChild("forwarded")?.getChild("message");
    const aliceSentId = carbonCopy && stanzaId(carbonCopy, "alice@localhost");
    assert.ok(aliceSentId, "the carbon carries alice's archive id");

    await bob.send(chat(alice.jid, "hi alice"));
    const atAlice = await alice.waitFor(isBody("hi alice"), "bob's reply");
    const aliceGotId = stanzaId(atAlice, "alice@localhost");
    assert.ok(aliceGotId);
    // An archived message reaches every device of the account (a carbon for one to a full JID).
    const received = await laptop.waitFor(
      (s) => s.getChild("received", "urn:xmpp:carbons:2") !== undefined,
      "received carbon",
    );
    const receivedCopy = received.getChild("received")?.getChild("forwarded")?.getChild("message");
    assert.equal(receivedCopy && stanzaId(receivedCopy, "alice@localhost"), aliceGotId);

    const tablet = await online("alice", "tablet");
    const page = await query(tablet, [form(field("with", "bob@localhost"))]);
    assert.equal(page.iq.attrs.type, "result");
    assert.deepEqual(
      page.results.map((r) => [r.id, r.body]),
      [
        [aliceSentId, "hello bob"],
        [aliceGotId, "hi alice"],
      ],
    );
    assert.equal(page.fin?.attrs.complete, "true");
    assert.equal(setOf(page)?.getChildText("first"), aliceSentId);
    assert.equal(setOf(page)?.getChildText("last"), aliceGotId);
    assert.equal(setOf(page)?.getChildText("count"), "2");
    const first = page.results[0];
    assert.equal(first?.message?.attrs.from, alice.jid);
    assert.equal(first?.message?.attrs.to, "bob@localhost");
    assert.ok(first?.stamp !== undefined && !Number.isNaN(Date.parse(first.stamp)));
    // Results go to the querying resource only.
    assert.equal(
      alice.received.some((s) => s.getChild("result", MAM) !== undefined),
      false,
    );
    // Bob's archive holds the same message under bob's id.
    const bobs = await query(bob, [form(field("with", "alice@localhost"))]);
    assert.equal(bobs.results[0]?.id, bobsId);
    assert.equal(bobs.results[0]?.body, "hello bob");
  });

  test("RSM paging both ways, capped at max_archive_query_results; after-id, before-id, ids", async () => {
    const carol = await online("carol");
    const dave = await online("dave");
    for (let i = 0; i < 8; i++) {
      await carol.send(chat("dave@localhost", `n${i}`));
      await dave.waitFor(isBody(`n${i}`), `n${i}`);
    }
    const bodies = (p: Page) => p.results.map((r) => r.body);
    // Capped at 5 although 100 were asked for; not complete.
    const p1 = await query(dave, [rsm(100)]);
    assert.deepEqual(bodies(p1), ["n0", "n1", "n2", "n3", "n4"]);
    assert.equal(p1.fin?.attrs.complete, undefined);
    assert.equal(setOf(p1)?.getChildText("count"), "8");
    const p2 = await query(dave, [rsm(5, setOf(p1)?.getChildText("last") ?? "")]);
    assert.deepEqual(bodies(p2), ["n5", "n6", "n7"]);
    assert.equal(p2.fin?.attrs.complete, "true");
    // An empty <before/> is the last page; then backwards to the start.
    const last = await query(dave, [rsm(3, undefined, "")]);
    assert.deepEqual(bodies(last), ["n5", "n6", "n7"]);
    assert.equal(last.fin?.attrs.complete, undefined);
    const prev = await query(dave, [rsm(3, undefined, setOf(last)?.getChildText("first") ?? "")]);
    assert.deepEqual(bodies(prev), ["n2", "n3", "n4"]);
    const start = await query(dave, [rsm(3, undefined, setOf(prev)?.getChildText("first") ?? "")]);
    assert.deepEqual(bodies(start), ["n0", "n1"]);
    assert.equal(start.fin?.attrs.complete, "true");
    const ids = p1.results.map((r) => r.id);
    const between = await query(dave, [form(field("after-id", ids[0]!), field("before-id", ids[3]!))]);
    assert.deepEqual(bodies(between), ["n1", "n2"]);
    const picked = await query(dave, [form(field("ids", ids[4]!, ids[1]!))]);
    assert.deepEqual(bodies(picked), ["n1", "n4"]);
    const flipped = await query(dave, [rsm(2), xml("flip-page")]);
    assert.deepEqual(bodies(flipped), ["n1", "n0"]);
    // Time filters: everything from the first message's stamp on, nothing before it.
    const stamp = p1.results[0]?.stamp ?? "";
    assert.deepEqual(bodies(await query(dave, [form(field("end", "2000-01-01T00:00:00Z"))])), []);
    assert.equal(
      setOf(await query(dave, [form(field("start", stamp.replace(/\.\d+Z$/, "Z")))]))?.getChildText("count"),
      "8",
    );
  });

  test("errors: unknown id, unknown field, bad dates, another's archive; the form; metadata; disco", async () => {
    const erin = await online("erin");
    const nf = await query(erin, [form(field("after-id", "000000000000000000000"))]);
    assert.equal(condition(nf.iq), "item-not-found");
    assert.equal(condition((await query(erin, [form(field("ids", "nope"))])).iq), "item-not-found");
    const rsmNf = await query(erin, [rsm(5, "nope")]);
    assert.equal(condition(rsmNf.iq), "item-not-found");
    const unknown = await query(erin, [form(field("{urn:example}free-text", "x"))]);
    assert.equal(condition(unknown.iq), "feature-not-implemented");
    assert.equal(condition((await query(erin, [form(field("start", "yesterday"))])).iq), "bad-request");
    assert.equal(condition((await query(erin, [form(field("with", "@@"))])).iq), "bad-request");
    const other = await query(erin, [], "alice@localhost");
    assert.equal(condition(other.iq), "forbidden");

    const f = await erin.iq(xml("iq", { type: "get" }, xml("query", { xmlns: MAM })));
    const vars = f
      .getChild("query", MAM)
      ?.getChild("x", "jabber:x:data")
      ?.getChildren("field")
      .map((x) => x.attrs.var);
    assert.deepEqual(vars, ["FORM_TYPE", "with", "start", "end", "before-id", "after-id", "ids"]);

    const empty = await erin.iq(xml("iq", { type: "get" }, xml("metadata", { xmlns: MAM })));
    assert.equal(empty.getChild("metadata", MAM)?.children.length, 0);
    await erin.send(chat(erin.jid, "note to self"));
    await erin.waitFor(isBody("note to self"), "own message");
    const meta = await erin.iq(xml("iq", { type: "get" }, xml("metadata", { xmlns: MAM })));
    const startId = meta.getChild("metadata", MAM)?.getChild("start")?.attrs.id;
    assert.ok(startId);
    assert.equal(meta.getChild("metadata", MAM)?.getChild("end")?.attrs.id, startId);
    // A message to oneself is archived once.
    const self = await query(erin, [form(field("with", "erin@localhost"))]);
    assert.deepEqual(
      self.results.map((r) => r.body),
      ["note to self"],
    );

    const disco = await erin.iq(
      xml(
        "iq",
        { type: "get", to: "erin@localhost" },
        xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }),
      ),
    );
    const features = disco
      .getChild("query")
      ?.getChildren("feature")
      .map((x) => x.attrs.var);
    for (const v of [MAM, `${MAM}#extended`, SID]) assert.ok(features?.includes(v), v);
  });

  test("preferences: default always; never for a JID stops archiving it; default never", async () => {
    const alice = await online("alice", "prefs");
    const carol = await online("carol", "prefs");
    const get = await alice.iq(xml("iq", { type: "get" }, xml("prefs", { xmlns: MAM })));
    assert.equal(get.getChild("prefs", MAM)?.attrs.default, "always");
    const set = await alice.iq(
      xml(
        "iq",
        { type: "set" },
        xml(
          "prefs",
          { xmlns: MAM, default: "always" },
          xml("always"),
          xml("never", {}, xml("jid", {}, "carol@localhost/anything")),
        ),
      ),
    );
    assert.equal(set.attrs.type, "result");
    assert.equal(set.getChild("prefs", MAM)?.getChild("never")?.getChildText("jid"), "carol@localhost");
    await carol.send(chat(alice.jid, "off the record"));
    const got = await alice.waitFor(isBody("off the record"), "carol's message");
    assert.equal(stanzaId(got, "alice@localhost"), undefined);
    const none = await query(alice, [form(field("with", "carol@localhost"))]);
    assert.deepEqual(none.results, []);
    // Carol's own archive still has it (her preferences, not alice's).
    const hers = await query(carol, [form(field("with", "alice@localhost"))]);
    assert.ok(hers.results.some((r) => r.body === "off the record"));

    const bad = await alice.iq(
      xml("iq", { type: "set" }, xml("prefs", { xmlns: MAM, default: "sometimes" })),
    );
    assert.equal(condition(bad), "bad-request");
    await alice.iq(xml("iq", { type: "set" }, xml("prefs", { xmlns: MAM, default: "always" })));
  });

  test("a forged stanza-id of ours is removed; an offline message is archived with its id", async () => {
    const bob = await online("bob", "forge");
    const dave = await online("dave", "forge");
    await dave.send(
      chat(
        "bob@localhost/forge",
        "forged",
        xml("stanza-id", { xmlns: SID, by: "bob@localhost", id: "fake" }),
        xml("stanza-id", { xmlns: SID, by: "elsewhere.example", id: "kept" }),
      ),
    );
    const got = await bob.waitFor(isBody("forged"), "the message");
    const ids = got.getChildren("stanza-id", SID);
    assert.equal(ids.length, 2);
    assert.notEqual(stanzaId(got, "bob@localhost"), "fake");
    assert.equal(stanzaId(got, "elsewhere.example"), "kept");

    // Frank never logged in: the message is kept offline, stamped, and delivered at his presence.
    await dave.send(chat("frank@localhost", "while away"));
    // A session's stanzas are handled in order: once this ping is answered, the message is kept.
    await dave.iq(xml("iq", { type: "get", to: "localhost" }, xml("ping", { xmlns: "urn:xmpp:ping" })));
    const frank = await online("frank", "back");
    const kept = await frank.waitFor(isBody("while away"), "offline delivery");
    const id = stanzaId(kept, "frank@localhost");
    assert.ok(id);
    const page = await query(frank, [form(field("ids", id))]);
    assert.deepEqual(
      page.results.map((r) => r.body),
      ["while away"],
    );
  });
}

onEachStorage("MAM", suite);
