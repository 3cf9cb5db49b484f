// The component seam end to end: a test component on its own domain gets the stanzas users send to
// it, answers to full and bare JIDs through the server's delivery, is listed in the host's
// disco#items, serves HTTP under its prefix, and starts and stops with the server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { ChatClient, condition, xml } from "../helpers/chat-client.ts";
import type { ComponentModule, DeliveryOutcome } from "../../src/components/component.ts";
import { el } from "../../src/xml/element.ts";

const events: string[] = [];
const outcomes: DeliveryOutcome[] = [];
const echo: ComponentModule<Record<string, never>> = {
  name: "echo",
  parseOptions: () => ({}),
  create: (env) => ({
    name: "Echo service",
    async start() {
      events.push("start");
      // Storage is open by now.
      await env.storage.store.blocklist("nobody@localhost");
    },
    unavailable(from) {
      events.push(`unavailable ${from.toString()}`);
    },
    stop() {
      events.push("stop");
      return Promise.resolve();
    },
    receive(stanza, from, to) {
      const body = stanza.getChildText("body");
      if (stanza.name !== "message" || body === undefined) return;
      const target =
        body.startsWith("bare:") || body.startsWith("gc:")
          ? from.bare().toString()
          : body.startsWith("to:")
            ? body.slice(3)
            : from.toString();
      outcomes.push(
        env.send(
          el(
            "message",
            { from: to.toString(), to: target, type: body.startsWith("gc:") ? "groupchat" : "chat" },
            el("body", {}, `echo ${body}`),
          ),
        ),
      );
    },
    http: {
      prefix: "/echo/",
      handle(req, res) {
        res.writeHead(200, { "Content-Type": "text/plain" });
        res.end(`echo ${req.url ?? ""}`);
      },
    },
  }),
};

let api: TestAuthApi;
let server: TestServer;
const clients: ChatClient[] = [];

before(async () => {
  api = await startAuthApi({ "alice@localhost": "alice-pw" });
  server = await startServer(
    {
      certificate: TEST_CERT,
      key: TEST_KEY,
      http_ports: [0],
      hosts: { localhost: { http_auth_url: api.url } },
      components: { "echo.localhost": { module: "echo" } },
    },
    new Map([["echo", echo]]),
  );
});
after(async () => {
  for (const c of clients) await c.stop();
  await server.stop();
  await api.close();
  assert.deepEqual(
    events.filter((e) => !e.startsWith("unavailable")),
    ["start", "stop"],
  );
});

test("stanzas to a component's JIDs reach it; its answers reach full and bare JIDs", async () => {
  const alice = await ChatClient.login(server.port, "alice", "alice-pw");
  clients.push(alice);
  await alice.send(xml("presence"));
  await alice.send(xml("message", { to: "room@echo.localhost/nick", type: "chat" }, xml("body", {}, "one")));
  const m1 = await alice.waitFor((s) => s.getChildText("body") === "echo one", "echo to full JID");
  assert.equal(m1.attrs.from, "room@echo.localhost/nick");
  assert.equal(m1.attrs.to, alice.jid);
  await alice.send(xml("message", { to: "echo.localhost" }, xml("body", {}, "bare:two")));
  await alice.waitFor((s) => s.getChildText("body") === "echo bare:two", "echo to bare JID");
  // A groupchat message to a bare JID, or anything to a foreign domain, is not delivered.
  await alice.send(xml("message", { to: "echo.localhost" }, xml("body", {}, "to:alice@elsewhere.example")));
  await alice.send(xml("message", { to: "echo.localhost" }, xml("body", {}, "gc:bare")));
  await alice.send(xml("message", { to: "echo.localhost" }, xml("body", {}, `to:${alice.jid}`)));
  await alice.waitFor((s) => s.getChildText("body") === `echo to:${alice.jid}`, "the last echo");
  assert.deepEqual(outcomes, ["delivered", "delivered", "undeliverable", "undeliverable", "delivered"]);
  // Other domains are still unknown.
  const r = await alice.iq(
    xml("iq", { type: "get", to: "nowhere.localhost" }, xml("query", { xmlns: "jabber:iq:version" })),
  );
  assert.equal(condition(r), "remote-server-not-found");
});

test("a broadcast unavailable presence is passed to the components", async () => {
  const alice = await ChatClient.login(server.port, "alice", "alice-pw", "gone");
  clients.push(alice);
  await alice.send(xml("presence"));
  await alice.send(xml("presence", { type: "unavailable" }));
  // A round trip: the presence was routed before the check.
  await alice.iq(xml("iq", { type: "get", to: "localhost" }, xml("ping", { xmlns: "urn:xmpp:ping" })));
  assert.ok(events.includes("unavailable alice@localhost/gone"));
});

test("the host's disco#items lists the component", async () => {
  const alice = await ChatClient.login(server.port, "alice", "alice-pw");
  clients.push(alice);
  const r = await alice.iq(
    xml(
      "iq",
      { type: "get", to: "localhost" },
      xml("query", { xmlns: "http://jabber.org/protocol/disco#items" }),
    ),
  );
  const items = r.getChild("query")?.getChildren("item") ?? [];
  assert.deepEqual(
    items.map((i) => [i.attrs.jid, i.attrs.name]),
    [["echo.localhost", "Echo service"]],
  );
});

test("a component's HTTP prefix is served on the HTTP listeners; other paths stay 404", async () => {
  const ok = await fetch(`http://127.0.0.1:${server.httpPort}/echo/x?y=1`);
  assert.equal(ok.status, 200);
  assert.equal(await ok.text(), "echo /echo/x?y=1");
  assert.equal((await fetch(`http://127.0.0.1:${server.httpPort}/echoes`)).status, 404);
});
