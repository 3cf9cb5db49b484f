// SASL2 (XEP-0388) with Bind2 (XEP-0386) and FAST (XEP-0484), end to end: @xmpp/client logs in with
// SASL2 + Bind2 and gets a token, then reconnects with FAST (HT-SHA-256-NONE) without the password and
// without check_password; a raw client checks the wire and the failure cases.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { client, xml } from "@xmpp/client";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { clientBinding } from "../helpers/scram-client.ts";
import {
  NS_SASL2 as SASL2,
  SASL2_OUTCOME as OUTCOME,
  authenticate,
  htProof as ht,
  plainResponse,
} from "../helpers/sasl2-client.ts";

const b64 = (s: string | Buffer): string => Buffer.from(s).toString("base64");

let api: TestAuthApi;
let srv: TestServer;

before(async () => {
  api = await startAuthApi({
    "juliet@localhost": "r0meo",
    "romeo@localhost": "jul1et",
    "romeo@rotate.localhost": "jul1et",
  });
  srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    limit_auth_max: 0,
    hosts: {
      localhost: { http_auth_url: api.url, c2s_sasl2: true, sasl2_fast: true, sasl_max_failures: 3 },
      "legacy.localhost": { http_auth_url: api.url },
      // Every token is "near expiry": each FAST login rotates (XEP-0484 §4.5).
      "rotate.localhost": {
        http_auth_url: api.url,
        c2s_sasl2: true,
        sasl2_fast: true,
        sasl2_fast_token_ttl: 3600,
        sasl2_fast_token_min_ttl: 7200,
      },
    },
  });
});

after(async () => {
  await srv.stop();
  await api.close();
});

const calls = (since: number, method: string): number =>
  api.requests.slice(since).filter((r) => r.path.endsWith(`/${method}`)).length;

async function connected(host = "localhost"): Promise<RawClient> {
  const c = await RawClient.connect(srv.tlsPort, { tls: true });
  c.open(host);
  await c.waitFor("</stream:features>");
  return c;
}

interface Fast {
  token: string;
  expiry: string;
}

test("the <authentication/> feature lists the mechanisms and the inline features; a host without it shows none", async () => {
  const c = await connected();
  assert.match(
    c.received,
    /<authentication xmlns="urn:xmpp:sasl:2"><mechanism>PLAIN<\/mechanism><inline><sm xmlns="urn:xmpp:sm:3"\/><fast xmlns="urn:xmpp:fast:0"><mechanism>HT-SHA-256-EXPR<\/mechanism><mechanism>HT-SHA-256-ENDP<\/mechanism><mechanism>HT-SHA-256-NONE<\/mechanism><\/fast><bind xmlns="urn:xmpp:bind:0"><inline><feature var="urn:xmpp:csi:0"\/><feature var="urn:xmpp:carbons:2"\/><feature var="urn:xmpp:sm:3"\/><\/inline><\/bind><\/inline><\/authentication>/,
  );
  c.close();
  const d = await connected("legacy.localhost");
  assert.doesNotMatch(d.received, /authentication/);
  // Not offered, so not accepted either.
  d.write(
    `<authenticate xmlns='${SASL2}' mechanism='PLAIN'>${plainResponse("juliet", "r0meo")}</authenticate>`,
  );
  await d.waitClosed();
  assert.match(d.received, /<not-authorized/);
});

test("SASL2 + Bind2: one round trip to a full JID, a tag-based stable resource, carbons on, then the features", async () => {
  const resources: string[] = [];
  for (let i = 0; i < 2; i++) {
    const c = await connected();
    const out = await authenticate(
      c,
      plainResponse("juliet", "r0meo") +
        `<user-agent id='d4565fa7-4d72-4749-b3d3-740edbf87770'><software>AwesomeXMPP</software><device>Kiva's Phone</device></user-agent>` +
        `<bind xmlns='urn:xmpp:bind:0'><tag>AwesomeXMPP</tag><enable xmlns='urn:xmpp:carbons:2'/></bind>`,
    );
    const jid = /<authorization-identifier>([^<]+)<\/authorization-identifier>/.exec(out)?.[1] ?? "";
    assert.match(jid, /^juliet@localhost\/AwesomeXMPP\/[A-Za-z0-9_-]{12}$/);
    assert.match(out, /<bound xmlns="urn:xmpp:bind:0"\/>/);
    assert.doesNotMatch(jid, /d4565fa7/); // §2.2.1: the user-agent id never shows
    resources.push(jid);
    // No restart (XEP-0388 §2.6.1): features follow at once, without <bind/> since we are bound.
    const features = await c.waitFor(
      /<stream:features>[\s\S]*?<\/stream:features>/,
      5000,
      c.received.indexOf("</success>"),
    );
    assert.doesNotMatch(features, /xmpp-bind/);
    const handle = srv.server.ctx.sessions
      .ofAccount("juliet@localhost")
      .find((s) => s.jid.toString() === jid);
    assert.equal(handle?.state.carbons, true);
    // Stanzas flow without any more negotiation.
    c.write(`<iq type='get' id='p1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>`);
    await c.waitFor(/<iq[^>]*id="p1"[^>]*type="result"|<iq[^>]*type="result"[^>]*id="p1"/);
    c.close();
  }
  // The same client (tag and user-agent id) gets its resource back (§2.2.1).
  assert.equal(resources[0], resources[1]);
});

test("Bind2 inline: XEP-0198 <enable/> answered in <bound/>, CSI <inactive/> honoured; the stream resumes on a new connection", async () => {
  const c = await connected();
  const out = await authenticate(
    c,
    plainResponse("juliet", "r0meo") +
      `<bind xmlns='urn:xmpp:bind:0'><tag>Inline</tag><enable xmlns='urn:xmpp:sm:3' resume='true'/>` +
      `<inactive xmlns='urn:xmpp:csi:0'/></bind>`,
  );
  const id = /<bound xmlns="urn:xmpp:bind:0"><enabled xmlns="urn:xmpp:sm:3" id="([^"]+)" resume="true"/.exec(
    out,
  )?.[1];
  assert.ok(id !== undefined, out);
  const jid = /<authorization-identifier>([^<]+)<\/authorization-identifier>/.exec(out)?.[1] ?? "";
  // Inactive (XEP-0352): a bodiless message is held back, a message with a body goes out at once.
  const sender = await connected();
  await authenticate(sender, plainResponse("romeo", "jul1et"));
  sender.write(`<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>`);
  await sender.waitFor(/id="b1"/);
  const mark = c.received.length;
  sender.write(
    `<message to='${jid}' type='chat'><active xmlns='http://jabber.org/protocol/chatstates'/></message>`,
  );
  sender.write(`<message to='${jid}' type='chat'><body>wake up</body></message>`);
  await c.waitFor(/wake up/, 5000, mark);
  // The held chat state was released first, so order is kept.
  assert.ok(c.received.indexOf("chatstates", mark) < c.received.indexOf("wake up", mark));
  // The connection drops; a new one resumes the session (XEP-0198 §5) after SASL2 without binding.
  c.destroy();
  const d = await connected();
  await authenticate(d, plainResponse("juliet", "r0meo"));
  d.write(`<resume xmlns='urn:xmpp:sm:3' previd='${id}' h='0'/>`);
  await d.waitFor(/<resumed xmlns="urn:xmpp:sm:3"/);
  d.close();
  sender.close();
});

test("SASL2 without Bind2: a bare JID in <success/>, then features offering resource binding", async () => {
  const c = await connected();
  const out = await authenticate(c, plainResponse("juliet", "r0meo"));
  assert.match(out, /<authorization-identifier>juliet@localhost<\/authorization-identifier>/);
  await c.waitFor(/<stream:features><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"\/>/);
  c.close();
});

test("failures: not-authorized, temporary-auth-failure when the API is down, and the connection closed after sasl_max_failures", async () => {
  const c = await connected();
  const wrong = await authenticate(c, plainResponse("juliet", "nope"));
  assert.match(
    wrong,
    /<failure xmlns="urn:xmpp:sasl:2"><not-authorized xmlns="urn:ietf:params:xml:ns:xmpp-sasl"\/><\/failure>/,
  );
  api.fault = "500";
  try {
    const down = await authenticate(c, plainResponse("juliet", "r0meo"));
    assert.match(down, /<temporary-auth-failure xmlns="urn:ietf:params:xml:ns:xmpp-sasl"\/><text>/);
  } finally {
    api.fault = "none";
  }
  const unknown = await authenticate(c, "", "DIGEST-MD5");
  assert.match(unknown, /<invalid-mechanism/);
  await c.waitClosed(); // the third failure
  assert.match(c.received, /policy-violation/);
});

test("no initial response: an empty challenge, then <response/>; <abort/> is answered with aborted", async () => {
  const c = await connected();
  let mark = c.received.length;
  c.write(`<authenticate xmlns='${SASL2}' mechanism='PLAIN'/>`);
  await c.waitFor(/<challenge xmlns="urn:xmpp:sasl:2"\/>/, 5000, mark);
  mark = c.received.length;
  c.write(`<abort xmlns='${SASL2}'/>`);
  assert.match(await c.waitFor(OUTCOME, 5000, mark), /<aborted/);
  mark = c.received.length;
  c.write(`<authenticate xmlns='${SASL2}' mechanism='PLAIN'/>`);
  await c.waitFor(/<challenge/, 5000, mark);
  mark = c.received.length;
  c.write(`<response xmlns='${SASL2}'>${b64("\0juliet\0r0meo")}</response>`);
  assert.match(await c.waitFor(OUTCOME, 5000, mark), /<success/);
  c.close();
});

async function tokenFor(agent: string, mechanism = "HT-SHA-256-NONE", host = "localhost"): Promise<Fast> {
  const c = await connected(host);
  const out = await authenticate(
    c,
    `${plainResponse("romeo", "jul1et")}<user-agent id='${agent}'/>` +
      `<request-token xmlns='urn:xmpp:fast:0' mechanism='${mechanism}'/>`,
  );
  c.close();
  const m = /<token xmlns="urn:xmpp:fast:0" expiry="([^"]+)" token="([^"]+)"\/>/.exec(out);
  assert.ok(m, out);
  return { expiry: m[1] ?? "", token: m[2] ?? "" };
}

async function fastLogin(
  agent: string,
  token: string,
  fastAttrs = "",
  mechanism = "HT-SHA-256-NONE",
  binding?: "tls-exporter" | "tls-server-end-point",
  host = "localhost",
): Promise<string> {
  const c = await connected(host);
  const cb = binding === undefined ? Buffer.alloc(0) : clientBinding(c, binding);
  const message = Buffer.concat([Buffer.from("romeo\0"), ht(token, "Initiator", cb)]);
  const out = await authenticate(
    c,
    `<initial-response>${b64(message)}</initial-response><user-agent id='${agent}'/>` +
      `<fast xmlns='urn:xmpp:fast:0'${fastAttrs}/>`,
    mechanism,
  );
  c.close();
  // The server proves it holds the token too (the responder message, in <additional-data/>).
  const data = /<additional-data>([^<]*)<\/additional-data>/.exec(out)?.[1];
  if (data !== undefined) assert.deepEqual(Buffer.from(data, "base64"), ht(token, "Responder", cb));
  return out;
}

test("FAST with channel binding: HT-SHA-256-EXPR and -ENDP bind to this connection; a token serves its own mechanism only", async () => {
  for (const [mechanism, binding] of [
    ["HT-SHA-256-EXPR", "tls-exporter"],
    ["HT-SHA-256-ENDP", "tls-server-end-point"],
  ] as const) {
    const { token } = await tokenFor(`cb-${binding}`, mechanism);
    assert.match(await fastLogin(`cb-${binding}`, token, "", mechanism, binding), /<success/);
    // The same token under another mechanism, or without its binding, is refused (XEP-0484 §4.4).
    assert.match(await fastLogin(`cb-${binding}`, token), /<not-authorized/);
  }
  const { token } = await tokenFor("cb-none");
  assert.match(await fastLogin("cb-none", token, "", "HT-SHA-256-EXPR", "tls-exporter"), /<not-authorized/);
});

test("FAST: a token for one client, usable by it only, with a replay count, and invalidated on request", async () => {
  const { token, expiry } = await tokenFor("agent-1");
  assert.ok(Date.parse(expiry) > Date.now() + 20 * 86400_000); // the 21-day default
  const since = api.requests.length;
  const ok = await fastLogin("agent-1", token, " count='1'");
  assert.match(ok, /<success/);
  assert.match(ok, /<additional-data>/);
  assert.equal(calls(since, "check_password"), 0);
  assert.equal(calls(since, "user_exists"), 1);
  // Another client cannot use it; nor can this one with a count already seen (a replay).
  assert.match(await fastLogin("agent-2", token), /<not-authorized/);
  assert.match(await fastLogin("agent-1", token, " count='1'"), /<not-authorized/);
  assert.match(await fastLogin("agent-1", token, " count='2'"), /<success/);
  // Without <fast/> the HT mechanism is not on offer.
  const c = await connected();
  assert.match(
    await authenticate(
      c,
      `<initial-response>${b64(Buffer.concat([Buffer.from("romeo\0"), ht(token, "Initiator")]))}</initial-response><user-agent id='agent-1'/>`,
      "HT-SHA-256-NONE",
    ),
    /<invalid-mechanism/,
  );
  c.close();
  assert.match(await fastLogin("agent-1", token, " invalidate='true'"), /<success/);
  assert.match(await fastLogin("agent-1", token), /<not-authorized/);
});

test("FAST rotation: a token near expiry gets a successor; the old one works until the new one is used", async () => {
  const login = (token: string) =>
    fastLogin("rot", token, "", "HT-SHA-256-NONE", undefined, "rotate.localhost");
  const next = (out: string): string => /<token [^>]*token="([^"]+)"/.exec(out)?.[1] ?? "";
  const { token: t1 } = await tokenFor("rot", "HT-SHA-256-NONE", "rotate.localhost");
  const out1 = await login(t1);
  const t2 = next(out1);
  assert.ok(t2 !== "" && t2 !== t1, out1);
  // The client missed t2 (say, a dropped connection): t1 still works, and brings t3, replacing t2.
  const t3 = next(await login(t1));
  assert.ok(t3 !== "" && t3 !== t2);
  assert.match(await login(t2), /<not-authorized/);
  assert.match(await login(t3), /<success/);
  // Once t3 was used, t1 (older) is gone.
  assert.match(await login(t1), /<not-authorized/);
});

test("FAST: user_exists still decides (a removed account is refused, the API down is temporary); a password change ends the tokens", async () => {
  const { token } = await tokenFor("agent-3");
  api.fault = "500";
  try {
    assert.match(await fastLogin("agent-3", token), /<temporary-auth-failure/);
  } finally {
    api.fault = "none";
  }
  assert.match(await fastLogin("agent-3", token), /<success/);
  await srv.server.ctx.hooks.passwordChanged.runAll(() => {}, "romeo@localhost");
  assert.match(await fastLogin("agent-3", token), /<not-authorized/);
  const again = await tokenFor("agent-3");
  api.users.delete("romeo@localhost");
  try {
    assert.match(await fastLogin("agent-3", again.token), /<not-authorized/);
  } finally {
    api.users.set("romeo@localhost", "jul1et");
  }
});

type Token = { mechanism: string; token: string; expiry: string } | undefined;

/** @xmpp/client 0.14 with its user-agent option and FAST token store, which its types do not list. */
function sasl2Client(password: string, id: string) {
  const options = {
    service: `xmpp://127.0.0.1:${srv.port}`,
    domain: "localhost",
    username: "juliet",
    password,
    resource: "Balcony",
    userAgent: xml("user-agent", { id }),
  };
  return client(options) as ReturnType<typeof client> & {
    fast: { saveToken(t: Token): Promise<void>; fetchToken(): Promise<Token> };
  };
}

test("@xmpp/client: SASL2 + Bind2 with a password and a token request, then a FAST reconnect without the password", async () => {
  const id = "5a2b0d7e-8c1f-4e57-9d0b-6a0f3c2e1b99";
  let saved: Token;
  const first = sasl2Client("r0meo", id);
  first.on("error", () => {});
  first.fast.saveToken = (t) => {
    saved = t;
    return Promise.resolve();
  };
  const since = api.requests.length;
  await first.start();
  assert.match(String(first.jid), /^juliet@localhost\/Balcony\/[A-Za-z0-9_-]{12}$/);
  assert.equal(calls(since, "check_password"), 1);
  assert.equal(saved?.mechanism, "HT-SHA-256-NONE");
  await first.stop();

  const mark = api.requests.length;
  const second = sasl2Client("not the password", id); // FAST must not need it
  second.on("error", () => {});
  second.fast.fetchToken = () => Promise.resolve(saved);
  await second.start();
  assert.equal(String(second.jid), String(first.jid));
  assert.equal(calls(mark, "check_password"), 0);
  try {
    const reply = await second.iqCaller.request(
      xml("iq", { type: "get", to: "localhost" }, xml("ping", { xmlns: "urn:xmpp:ping" })),
    );
    assert.equal(reply.attrs.type, "result");
  } finally {
    await second.stop();
  }
});
