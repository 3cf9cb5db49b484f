// XEP-0363 HTTP File Upload end to end, on SQLite and on PostgreSQL: a client asks the
// http_file_share component for a slot over XMPP, PUTs the file over plain HTTP, another client
// downloads it (GET, HEAD, Range); limits and quotas are refused with the XEP's error elements;
// PUTs that do not match their slot are refused; expiry deletes the file.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { request } from "node:http";
import { WebSocket } from "ws";
import { client } from "@xmpp/client";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { ChatClient, condition, xml, type XmlElement } from "../helpers/chat-client.ts";
import { freePort } from "../helpers/free-port.ts";
import { PG_URL, dropSchema, pgSkip, uniqueSchema } from "../helpers/postgres.ts";
import { HTTP_FILE_SHARE, createFileShare } from "../../src/components/http-file-share/module.ts";
import type { AnyComponentModule } from "../../src/components/registry.ts";

// @xmpp/websocket uses the WHATWG global, which Node 20 has only behind a flag; ws implements it.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const NS = "urn:xmpp:http:upload:0";
const SERVICE = "upload.localhost";

function backend(name: string, skip: string | false, storage: () => Record<string, unknown>): void {
  describe(`http_file_share on ${name}`, { skip }, () => {
    let api: TestAuthApi;
    let server: TestServer;
    let base: string;
    // The component's clock runs `skew` ms ahead of the real one (to reach expiry without waiting).
    let skew = 0;
    let sweep: () => Promise<number> = () => Promise.resolve(0);
    const clients: ChatClient[] = [];
    const login = async (user: string) => {
      const c = await ChatClient.login(server.port, user, `${user}-pw`);
      clients.push(c);
      return c;
    };
    const modules = new Map<string, AnyComponentModule>([
      [
        "http_file_share",
        {
          ...HTTP_FILE_SHARE,
          create: (env, options) => {
            const c = createFileShare(env, options as Parameters<typeof createFileShare>[1], {
              now: () => Date.now() + skew,
            });
            sweep = () => c.sweep();
            return c;
          },
        },
      ],
    ]);

    before(async () => {
      api = await startAuthApi({
        "alice@localhost": "alice-pw",
        "bob@localhost": "bob-pw",
        "carol@localhost": "carol-pw",
        "dave@localhost": "dave-pw",
        "eve@localhost": "eve-pw",
      });
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      server = await startServer(
        {
          certificate: TEST_CERT,
          key: TEST_KEY,
          http_ports: [port],
          // As behind a TLS-terminating proxy: the web client logs in over ws://.
          consider_websocket_secure: true,
          ...storage(),
          hosts: { localhost: { http_auth_url: api.url } },
          components: {
            [SERVICE]: {
              module: "http_file_share",
              http_file_share_size_limit: 1000,
              http_file_share_daily_quota: 2500,
              http_file_share_expires_after: "7d",
              http_external_url: `${base}/`,
              // Everyone of localhost but eve.
              http_file_share_access: ["alice", "bob", "carol", "dave"].map((u) => `${u}@localhost`),
            },
          },
        },
        modules,
      );
    });
    after(async () => {
      for (const c of clients) await c.stop();
      await server.stop();
      await api.close();
    });

    const requestSlot = (c: ChatClient, attrs: Record<string, string>) =>
      c.iq(xml("iq", { type: "get", to: SERVICE }, xml("request", { xmlns: NS, ...attrs })));

    /** A granted slot's URLs and PUT headers. */
    function slotOf(reply: XmlElement): { put: string; get: string; headers: Record<string, string> } {
      assert.equal(reply.attrs.type, "result", String(reply));
      const slot = reply.getChild("slot", NS);
      const put = slot?.getChild("put");
      const headers: Record<string, string> = {};
      for (const h of put?.getChildren("header") ?? []) headers[h.attrs.name ?? ""] = h.getText();
      return { put: put?.attrs.url ?? "", get: slot?.getChild("get")?.attrs.url ?? "", headers };
    }

    const upload = async (c: ChatClient, filename: string, body: string, type: string) => {
      const slot = slotOf(
        await requestSlot(c, { filename, size: String(Buffer.byteLength(body)), "content-type": type }),
      );
      const r = await fetch(slot.put, {
        method: "PUT",
        body,
        headers: { ...slot.headers, "Content-Type": type },
      });
      assert.equal(r.status, 201);
      return slot;
    };

    test("disco#info: identity store/file, the feature and max-file-size (XEP-0363 §3)", async () => {
      const alice = await login("alice");
      const r = await alice.iq(
        xml(
          "iq",
          { type: "get", to: SERVICE },
          xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }),
        ),
      );
      const q = r.getChild("query");
      const identity = q?.getChild("identity");
      assert.deepEqual([identity?.attrs.category, identity?.attrs.type], ["store", "file"]);
      assert.ok(q?.getChildren("feature").some((f) => f.attrs.var === NS));
      const fields = q?.getChild("x", "jabber:x:data")?.getChildren("field") ?? [];
      const value = (v: string) => fields.find((f) => f.attrs.var === v)?.getChildText("value");
      assert.equal(value("FORM_TYPE"), NS);
      assert.equal(value("max-file-size"), "1000");
      // Nothing lives on JIDs of the service; other payloads are not served.
      const elsewhere = await alice.iq(
        xml(
          "iq",
          { type: "get", to: `x@${SERVICE}` },
          xml("request", { xmlns: NS, filename: "a", size: "1" }),
        ),
      );
      assert.equal(condition(elsewhere), "service-unavailable");
      const other = await alice.iq(
        xml("iq", { type: "get", to: SERVICE }, xml("query", { xmlns: "jabber:iq:version" })),
      );
      assert.equal(condition(other), "service-unavailable");
    });

    test("upload from one client, download from another with plain HTTP: GET, HEAD, Range, CORS", async () => {
      const alice = await login("alice");
      const { get, put } = await upload(alice, "hello wörld.txt", "hello world", "text/plain");
      assert.ok(get.startsWith(`${base}/file_share/`), get);
      assert.equal(get, put);
      assert.ok(get.endsWith("/hello%20w%C3%B6rld.txt"), get);

      // Bob learns the URL (as from a message) and fetches it, with no credentials.
      const bob = await login("bob");
      await bob.send(xml("presence"));
      await alice.send(xml("message", { to: bob.bare, type: "chat" }, xml("body", {}, get)));
      const m = await bob.waitFor((s) => s.getChildText("body") === get, "the link");
      const r = await fetch(m.getChildText("body") ?? "");
      assert.equal(r.status, 200);
      assert.equal(await r.text(), "hello world");
      assert.equal(r.headers.get("content-type"), "text/plain");
      assert.match(
        r.headers.get("content-disposition") ?? "",
        /^inline; .*filename\*=UTF-8''hello%20w%C3%B6rld\.txt/,
      );
      assert.equal(r.headers.get("access-control-allow-origin"), "*");
      assert.equal(r.headers.get("x-content-type-options"), "nosniff");

      const head = await fetch(get, { method: "HEAD" });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get("content-length"), "11");
      assert.equal(await head.text(), "");

      const part = await fetch(get, { headers: { Range: "bytes=6-" } });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get("content-range"), "bytes 6-10/11");
      assert.equal(await part.text(), "world");
      const suffix = await fetch(get, { headers: { Range: "bytes=-5" } });
      assert.equal(await suffix.text(), "world");
      const none = await fetch(get, { headers: { Range: "bytes=11-" } });
      assert.equal(none.status, 416);
      assert.equal(none.headers.get("content-range"), "bytes */11");
      await none.arrayBuffer();

      const preflight = await fetch(get, {
        method: "OPTIONS",
        headers: { Origin: "https://web.example", "Access-Control-Request-Method": "PUT" },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
      assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /PUT/);
      assert.match(preflight.headers.get("access-control-allow-headers") ?? "", /Authorization/);

      // The file on disk is the owner's only (0600 in a 0700 directory).
      const dir = join(server.dataPath, "http_file_share", SERVICE);
      const id = new URL(get).pathname.split("/")[2] ?? "";
      assert.equal(statSync(join(dir, id)).mode & 0o777, 0o600);
      assert.equal(statSync(dir).mode & 0o777, 0o700);
    });

    test("a web client over WebSocket uploads (CORS); a TCP client downloads", async () => {
      const web = client({
        service: `ws://127.0.0.1:${new URL(base).port}/xmpp-websocket`,
        domain: "localhost",
        username: "bob",
        password: "bob-pw",
      });
      web.on("error", () => {});
      await web.start();
      try {
        const reply = await web.iqCaller.request(
          xml(
            "iq",
            { type: "get", to: SERVICE },
            xml("request", { xmlns: NS, filename: "web.png", size: "3", "content-type": "image/png" }),
          ),
        );
        const slot = reply.getChild("slot", NS);
        const put = slot?.getChild("put");
        const auth = put?.getChild("header")?.getText() ?? "";
        const origin = { Origin: "https://web.example" };
        const r = await fetch(put?.attrs.url ?? "", {
          method: "PUT",
          body: "png",
          headers: { ...origin, Authorization: auth, "Content-Type": "image/png" },
        });
        assert.equal(r.status, 201);
        assert.equal(r.headers.get("access-control-allow-origin"), "*");
        await r.arrayBuffer();
        // The link goes to a TCP client in a message; it downloads with plain HTTP.
        const alice = await login("alice");
        await alice.send(xml("presence"));
        const link = slot?.getChild("get")?.attrs.url ?? "";
        await web.send(xml("message", { to: alice.jid, type: "chat" }, xml("body", {}, link)));
        const m = await alice.waitFor((x) => x.getChildText("body") === link, "the link");
        const g = await fetch(m.getChildText("body") ?? "");
        assert.equal(await g.text(), "png");
        assert.equal(g.headers.get("content-type"), "image/png");
        assert.match(g.headers.get("content-disposition") ?? "", /^inline;/);
      } finally {
        await web.stop().catch(() => {});
      }
    });

    test("an HTML upload is an attachment with nosniff and a sandboxing CSP", async () => {
      const alice = await login("alice");
      const { get } = await upload(alice, "page.html", "<script>alert(1)</script>", "text/html");
      const r = await fetch(get);
      assert.equal(r.status, 200);
      assert.match(r.headers.get("content-disposition") ?? "", /^attachment; filename="page.html"/);
      assert.equal(r.headers.get("x-content-type-options"), "nosniff");
      assert.match(r.headers.get("content-security-policy") ?? "", /sandbox/);
      await r.arrayBuffer();
    });

    test("a PUT must carry the slot's secret, size and content type, and only once", async () => {
      const alice = await login("alice");
      const slot = slotOf(
        await requestSlot(alice, { filename: "a.bin", size: "4", "content-type": "application/x-a" }),
      );
      const put = (body: string, headers: Record<string, string>) =>
        fetch(slot.put, { method: "PUT", body, headers }).then(
          async (r) => (await r.arrayBuffer(), r.status),
        );
      const type = { "Content-Type": "application/x-a" };
      assert.equal(await put("abcd", type), 401);
      assert.equal(await put("abcd", { ...type, Authorization: "Bearer not-the-secret" }), 401);
      assert.equal(await put("abcde", { ...type, ...slot.headers }), 413);
      assert.equal(await put("abc", { ...type, ...slot.headers }), 400);
      assert.equal(await put("abcd", { ...slot.headers, "Content-Type": "text/html" }), 415);
      // Not there until uploaded.
      assert.equal((await fetch(slot.get)).status, 404);
      assert.equal(await put("abcd", { ...type, ...slot.headers }), 201);
      assert.equal(await put("abcd", { ...type, ...slot.headers }), 409);
      assert.equal(await (await fetch(slot.get)).text(), "abcd");
      const unknown = await fetch(`${base}/file_share/AAAAAAAAAAAAAAAAAAAAAA/x`);
      assert.equal(unknown.status, 404);
      await unknown.arrayBuffer();
    });

    test("an interrupted PUT leaves nothing and the slot can be tried again; a late PUT is 410", async () => {
      const alice = await login("alice");
      const slot = slotOf(await requestSlot(alice, { filename: "b.bin", size: "10" }));
      const url = new URL(slot.put);
      // Half the body, then the connection dies.
      await new Promise<void>((resolve, reject) => {
        const req = request({
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: "PUT",
          headers: { ...slot.headers, "Content-Length": "10" },
        });
        req.on("error", () => resolve());
        req.on("response", (r) => reject(new Error(`answered ${r.statusCode}`)));
        req.write("01234", () => setImmediate(() => req.destroy()));
        req.on("close", () => resolve());
      });
      // The server frees the slot once it has seen the connection go: until then a PUT is 409.
      const deadline = Date.now() + 10_000;
      let status = 409;
      while (status === 409 && Date.now() < deadline)
        status = await fetch(slot.put, { method: "PUT", body: "0123456789", headers: slot.headers }).then(
          async (r) => (await r.arrayBuffer(), r.status),
        );
      assert.equal(status, 201);
      assert.equal(await (await fetch(slot.get)).text(), "0123456789");

      const late = slotOf(await requestSlot(alice, { filename: "c.bin", size: "1" }));
      skew = 6 * 60_000;
      try {
        const r = await fetch(late.put, { method: "PUT", body: "x", headers: late.headers });
        assert.equal(r.status, 410);
        await r.arrayBuffer();
      } finally {
        skew = 0;
      }
    });

    test("too large: modify/not-acceptable with <file-too-large><max-file-size/> (XEP-0363 §5)", async () => {
      const bob = await login("bob");
      const r = await requestSlot(bob, { filename: "big.bin", size: "1001" });
      assert.equal(r.attrs.type, "error");
      assert.equal(r.getChild("error")?.attrs.type, "modify");
      assert.equal(condition(r), "not-acceptable");
      assert.equal(
        r.getChild("error")?.getChild("file-too-large", NS)?.getChildText("max-file-size"),
        "1000",
      );
    });

    test("bad requests: a filename with a slash, no size, a malformed content type", async () => {
      const bob = await login("bob");
      const cases: Record<string, string>[] = [
        { filename: "../etc/passwd", size: "1" },
        { filename: "a.txt" },
        { filename: "a.txt", size: "-1" },
        { filename: "a.txt", size: "1", "content-type": "text/html\r\nX-Evil: 1" },
      ];
      for (const attrs of cases) {
        const r = await requestSlot(bob, attrs);
        assert.equal(condition(r), "not-acceptable", JSON.stringify(attrs));
      }
    });

    test("a user not in http_file_share_access: cancel/not-allowed (XEP-0363 §5)", async () => {
      const eve = await login("eve");
      const r = await requestSlot(eve, { filename: "e.txt", size: "1" });
      assert.equal(r.getChild("error")?.attrs.type, "cancel");
      assert.equal(condition(r), "not-allowed");
    });

    test("daily quota: wait/resource-constraint with <retry stamp/> (XEP-0363 §5)", async () => {
      const carol = await login("carol");
      slotOf(await requestSlot(carol, { filename: "1", size: "1000" }));
      slotOf(await requestSlot(carol, { filename: "2", size: "1000" }));
      const r = await requestSlot(carol, { filename: "3", size: "600" });
      assert.equal(r.getChild("error")?.attrs.type, "wait");
      assert.equal(condition(r), "resource-constraint");
      const stamp = r.getChild("error")?.getChild("retry", NS)?.attrs.stamp ?? "";
      assert.ok(Date.parse(stamp) > Date.now() + 23 * 3600_000, stamp);
      // What is left still fits; other users have their own quota.
      slotOf(await requestSlot(carol, { filename: "4", size: "500" }));
      slotOf(await requestSlot(await login("bob"), { filename: "5", size: "1000" }));
    });

    test("removing an account (XEP-0077) stops its uploads being served; the sweeper deletes them", async () => {
      const dave = await login("dave");
      const { get } = await upload(dave, "mine.txt", "mine", "text/plain");
      const file = join(
        server.dataPath,
        "http_file_share",
        SERVICE,
        new URL(get).pathname.split("/")[2] ?? "",
      );
      assert.equal(await fetch(get).then((r) => r.text()), "mine");
      const r = await dave.iq(
        xml("iq", { type: "set" }, xml("query", { xmlns: "jabber:iq:register" }, xml("remove"))),
      );
      assert.equal(r.attrs.type, "result");
      // The store's deletion runs after the reply: wait for its effect.
      const deadline = Date.now() + 10_000;
      let status = 200;
      while (status === 200 && Date.now() < deadline)
        status = await fetch(get).then(async (x) => (await x.arrayBuffer(), x.status));
      assert.equal(status, 404);
      assert.ok((await sweep()) >= 1);
      assert.equal(existsSync(file), false);
    });

    test("expiry: the file stops being served and the sweeper deletes it", async () => {
      const alice = await login("alice");
      const { get } = await upload(alice, "old.txt", "old", "text/plain");
      const file = join(
        server.dataPath,
        "http_file_share",
        SERVICE,
        new URL(get).pathname.split("/")[2] ?? "",
      );
      assert.ok(existsSync(file));
      skew = 8 * 86400_000;
      try {
        const r = await fetch(get);
        assert.equal(r.status, 404);
        await r.arrayBuffer();
        assert.ok((await sweep()) >= 1);
        assert.equal(existsSync(file), false);
      } finally {
        skew = 0;
      }
    });
  });
}

const schema = uniqueSchema("xha_upload");
backend("SQLite", false, () => ({}));
backend("PostgreSQL", pgSkip, () => ({ storage: "sql", sql: `${PG_URL}?schema=${schema}` }));
after(async () => {
  if (pgSkip === false) await dropSchema(schema);
});
