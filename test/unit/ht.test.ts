// The HT-SHA-256-* computations (draft-schmaus-kitten-sasl-ht, XEP-0484) against an independent
// implementation: @xmpp/client's HT-SHA-256-NONE (WebCrypto) computes the initiator message from the
// token text; we verify it from the token's SHA-256 only, and it accepts our responder message.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
// @ts-expect-error: the package ships no types
import { Mechanism } from "@xmpp/sasl-ht-sha-256-none";
import { initiatorProof, newToken, parseInitiator, responderProof, tokenKey } from "../../src/stream/ht.ts";

interface HtClient {
  response(c: { username: string; password: string }): Promise<string>;
  final(data: string): Promise<void>;
}

test("a token is longer than SHA-256's block, so HMAC with its hash equals HMAC with the token", () => {
  const token = newToken();
  assert.ok(Buffer.byteLength(token) > 64);
  const direct = createHmac("sha256", Buffer.from(token)).update("Initiator").digest();
  assert.deepEqual(initiatorProof(tokenKey(token), Buffer.alloc(0)), direct);
});

test("@xmpp/client's HT-SHA-256-NONE message verifies against the stored hash; our answer satisfies it", async () => {
  const token = newToken();
  const client = new (Mechanism as new () => HtClient)();
  const message = Buffer.from(await client.response({ username: "juliet", password: token }), "latin1");
  const parsed = parseInitiator(message);
  assert.equal(parsed?.user, "juliet");
  assert.deepEqual(parsed?.proof, initiatorProof(tokenKey(token), Buffer.alloc(0)));
  await client.final(responderProof(tokenKey(token), Buffer.alloc(0)).toString("latin1"));
  await assert.rejects(
    client.final(responderProof(tokenKey("x".repeat(80)), Buffer.alloc(0)).toString("latin1")),
  );
});

test("channel binding data is appended to the fixed strings (draft §3.3)", () => {
  const key = tokenKey("t".repeat(80));
  const cb = Buffer.from("binding");
  assert.deepEqual(
    initiatorProof(key, cb),
    createHmac("sha256", key)
      .update(Buffer.concat([Buffer.from("Initiator"), cb]))
      .digest(),
  );
  assert.notDeepEqual(responderProof(key, cb), responderProof(key, Buffer.alloc(0)));
  assert.equal(parseInitiator(Buffer.from("no-nul")), undefined);
});
