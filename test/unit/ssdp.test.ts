// XEP-0474 (SASL SCRAM Downgrade Protection): the hash against the XEP's example (§5.3), and the
// XEP's full SCRAM-SHA-1-PLUS exchange replayed against our SCRAM mechanism, "h" attribute included.
import { test } from "node:test";
import assert from "node:assert/strict";
import { keysFromSalted, saltedPassword } from "../../src/auth/scram.ts";
import type { AuthProvider } from "../../src/auth/provider.ts";
import { createFakeCredentials, scramMechanism } from "../../src/stream/mechanism-scram.ts";
import type { SaslContext } from "../../src/stream/sasl-mechanism.ts";
import { ssdpHash, ssdpInput } from "../../src/stream/ssdp.ts";
import { createLogger } from "../../src/log.ts";

const SHOWN = {
  mechanisms: ["SCRAM-SHA-1-PLUS", "SCRAM-SHA-1"],
  channelBindings: ["tls-server-end-point", "tls-exporter"],
};

test("the hash input sorts both lists and joins them with %x1E, the lists with %x1F (§5.1)", () => {
  assert.equal(ssdpInput(SHOWN), "SCRAM-SHA-1\x1eSCRAM-SHA-1-PLUS\x1ftls-exporter\x1etls-server-end-point");
  assert.equal(ssdpHash("sha1", SHOWN), "G6k/rBLDqgOhRRaCuuatSDFkJ08=");
  // No XEP-0440 list sent: no separator at all.
  assert.equal(
    ssdpInput({ mechanisms: ["SCRAM-SHA-1", "PLAIN"], channelBindings: undefined }),
    "PLAIN\x1eSCRAM-SHA-1",
  );
});

test("the XEP's full example: our server-first carries its h=, and its client's proof is accepted", async () => {
  const salt = Buffer.from("QSXCR+Q6sek8bf92", "base64");
  const keys = keysFromSalted("sha1", salt, saltedPassword("sha1", "pencil", salt, 4096));
  const ticket = { succeeded: () => {}, failed: () => {}, release: () => {} };
  const provider = {
    getScramCredentials: () =>
      Promise.resolve({ outcome: "ok", credentials: { iterations: 4096, keys: { sha1: keys } } }),
  } as unknown as AuthProvider;
  const ctx: SaslContext = {
    host: "example.org",
    provider,
    logger: createLogger({ level: "silent" }),
    channelBindings: ["tls-exporter"],
    plusOffered: true,
    channelBinding: (type) => (type === "tls-exporter" ? Buffer.from("THIS IS FAKE CB DATA") : undefined),
    advertised: SHOWN,
    signal: new AbortController().signal,
    admit: () => Promise.resolve({ ok: true, ticket }),
  };
  const m = scramMechanism("sha1", createFakeCredentials(), {
    plus: true,
    nonce: () => "a09117a6-ac50-4f2f-93f1-93799c2bddf6",
  });
  const x = m.start(ctx);
  const first = await x.step(Buffer.from("p=tls-exporter,,n=user,r=12C4CD5C-E38E-4A98-8F6D-15C38F51CCC6"));
  assert.equal(first.kind, "challenge");
  assert.equal(
    first.kind === "challenge" && first.data.toString(),
    "r=12C4CD5C-E38E-4A98-8F6D-15C38F51CCC6a09117a6-ac50-4f2f-93f1-93799c2bddf6,s=QSXCR+Q6sek8bf92,i=4096,h=G6k/rBLDqgOhRRaCuuatSDFkJ08=",
  );
  const final = await x.step(
    Buffer.from(
      "c=cD10bHMtZXhwb3J0ZXIsLFRISVMgSVMgRkFLRSBDQiBEQVRB,r=12C4CD5C-E38E-4A98-8F6D-15C38F51CCC6a09117a6-ac50-4f2f-93f1-93799c2bddf6,x=19C6532F-1CF4-4A27-A18D-DC9CEA41BBB3,p=M/SIDjT+dfcxUh89jZEypRvFxB4=",
    ),
  );
  assert.equal(final.kind, "success");
  assert.equal(final.kind === "success" && final.data?.toString(), "v=MQrMPvv7yv4x4Cq4W4Ih25EqS2c=");
});
