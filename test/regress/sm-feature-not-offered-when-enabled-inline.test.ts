// Regression: after SASL2 + Bind2 with XEP-0198 enabled inline, the stream features that follow
// <success/> offered <sm/> again; @xmpp/client then sent <resume/> and <enable/> on the live stream,
// both failed, and it dropped its resumption id (no resume on its next reconnect). <sm/> is now left
// out where stream management is on already (XEP-0198 §3: once per stream), and kept otherwise.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { client, xml, type XmlElement } from "@xmpp/client";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { NS_SASL2, plainResponse } from "../helpers/sasl2-client.ts";

let api: TestAuthApi;
let server: TestServer;

before(async () => {
  api = await startAuthApi({ "alice@localhost": "alice-pw" });
  server = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    hosts: { localhost: { http_auth_url: api.url, c2s_sasl2: true } },
  });
});
after(async () => {
  await server.stop();
  await api.close();
});

const plain = plainResponse("alice", "alice-pw");

async function featuresAfter(bind: string): Promise<string> {
  const c = await RawClient.connect(server.tlsPort, { tls: true });
  c.open();
  await c.waitFor("</stream:features>");
  const mark = c.received.length;
  c.write(`<authenticate xmlns='${NS_SASL2}' mechanism='PLAIN'>${plain}${bind}</authenticate>`);
  const features = await c.waitFor(/<stream:features>[\s\S]*?<\/stream:features>/, 5000, mark);
  c.destroy();
  return features;
}

test("no <sm/> in the features after Bind2 enabled stream management inline; offered without it", async () => {
  const enabled = await featuresAfter(
    "<bind xmlns='urn:xmpp:bind:0'><enable xmlns='urn:xmpp:sm:3' resume='true'/></bind>",
  );
  assert.doesNotMatch(enabled, /<sm xmlns="urn:xmpp:sm:3"/);
  assert.match(enabled, /<csi xmlns="urn:xmpp:csi:0"\/>/);
  assert.match(await featuresAfter("<bind xmlns='urn:xmpp:bind:0'/>"), /<sm xmlns="urn:xmpp:sm:3"\/>/);
});

test("@xmpp/client keeps stream management on (no second <resume/> or <enable/>) after a SASL2 login", async () => {
  const c = client({
    service: `xmpp://127.0.0.1:${server.port}`,
    domain: "localhost",
    username: "alice",
    password: "alice-pw",
  });
  c.on("error", () => {});
  const sent: string[] = [];
  c.on("send", (e: XmlElement) => sent.push(e.name));
  await c.start();
  // A round trip after login: whatever the client sent in answer to the features was answered.
  await c.iqCaller.request(
    xml("iq", { type: "get", to: "localhost" }, xml("ping", { xmlns: "urn:xmpp:ping" })),
  );
  assert.equal(c.streamManagement.enabled, true);
  assert.notEqual(c.streamManagement.id, "");
  assert.ok(!sent.includes("resume") && !sent.includes("enable"), sent.join(","));
  await c.stop();
});
