// RFC 7622: parsing, preparation, bare/full and equality of XMPP addresses.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isXhaError } from "../../src/errors.ts";
import { makeJid, parseJid, tryParseJid } from "../../src/jid.ts";

function parts(s: string): [string | undefined, string, string | undefined] {
  const j = parseJid(s);
  return [j.local, j.domain, j.resource];
}

function rejects(s: string, message: RegExp): void {
  assert.throws(
    () => parseJid(s),
    (err: unknown) => isXhaError(err, "XHA_JID_INVALID") && message.test(err.message),
    `${JSON.stringify(s)} should be rejected with ${String(message)}`,
  );
}

void describe("RFC 7622 §3.5 Table 1: valid JIDs", () => {
  const valid: Array<[string, [string | undefined, string, string | undefined]]> = [
    ["juliet@example.com", ["juliet", "example.com", undefined]],
    ["juliet@example.com/foo", ["juliet", "example.com", "foo"]],
    ["juliet@example.com/foo bar", ["juliet", "example.com", "foo bar"]],
    ["juliet@example.com/foo@bar", ["juliet", "example.com", "foo@bar"]],
    ["foo\\20bar@example.com", ["foo\\20bar", "example.com", undefined]],
    ["fussball@example.com", ["fussball", "example.com", undefined]],
    ["fußball@example.com", ["fußball", "example.com", undefined]],
    ["π@example.com", ["π", "example.com", undefined]],
    ["Σ@example.com/foo", ["σ", "example.com", "foo"]],
    ["σ@example.com/foo", ["σ", "example.com", "foo"]],
    ["ς@example.com/foo", ["ς", "example.com", "foo"]],
    ["king@example.com/♚", ["king", "example.com", "♚"]],
    ["example.com", [undefined, "example.com", undefined]],
    ["example.com/foobar", [undefined, "example.com", "foobar"]],
    ["a.example.com/b@example.net", [undefined, "a.example.com", "b@example.net"]],
  ];
  for (const [input, expected] of valid) {
    void test(input, () => assert.deepEqual(parts(input), expected));
  }
});

void describe("RFC 7622 §3.5 Table 2: invalid JIDs", () => {
  const invalid: Array<[string, RegExp]> = [
    ['"juliet"@example.com', /localpart.*U\+0022/],
    ["foo bar@example.com", /localpart.*U\+0020/],
    ["juliet@@example.com", /domainpart/],
    ["@example.com", /empty localpart/],
    ["@example.com/", /empty localpart/],
    ["example.com/", /empty resourcepart/],
    ["henryⅣ@example.com", /localpart.*U\+2163/],
    ["♚@example.com", /localpart.*U\+265A/],
    ["juliet@", /empty domainpart/],
    ["/foobar", /empty domainpart/],
    ["", /empty domainpart/],
    ["a@b@example.com", /domainpart/],
    ["juliet@example.com/a\tb", /resourcepart.*U\+0009/],
    ["juliet@exa mple.com", /domainpart/],
  ];
  for (const [input, message] of invalid) {
    void test(JSON.stringify(input), () => rejects(input, message));
  }
  void test("tryParseJid returns undefined instead of throwing", () => {
    assert.equal(tryParseJid("juliet@"), undefined);
    assert.equal(tryParseJid("Juliet@Example.com")?.toString(), "juliet@example.com");
  });
});

void describe("splitting (§3.1)", () => {
  void test("the resourcepart starts at the first slash and may hold more slashes", () => {
    assert.deepEqual(parts("juliet@example.com/foo/bar"), ["juliet", "example.com", "foo/bar"]);
  });
  void test("an @ after the first slash belongs to the resourcepart", () => {
    assert.deepEqual(parts("example.com/juliet@example.net"), [
      undefined,
      "example.com",
      "juliet@example.net",
    ]);
  });
});

void describe("preparation, bare/full and equality", () => {
  void test("each part is prepared with its own profile", () => {
    const j = parseJid("ＪＵＬＩＥＴ@EXAMPLE.com./Balcony\u3000Scene");
    assert.equal(j.toString(), "juliet@example.com/Balcony Scene");
  });
  void test("the localpart is case-mapped, the resourcepart is not", () => {
    assert.ok(parseJid("JULIET@Example.COM/balcony").equals(parseJid("juliet@example.com/balcony")));
    assert.ok(!parseJid("juliet@example.com/Balcony").equals(parseJid("juliet@example.com/balcony")));
  });
  void test("decomposed and precomposed input compare equal", () => {
    assert.ok(parseJid("Zoe\u0308@example.com").equals(parseJid("zo\u00eb@example.com")));
  });
  void test("bare(), isBare and withResource()", () => {
    const full = parseJid("juliet@example.com/balcony");
    assert.equal(full.isBare, false);
    assert.equal(full.bare().toString(), "juliet@example.com");
    assert.equal(full.bare().isBare, true);
    assert.ok(full.bare().equals(parseJid("juliet@example.com")));
    assert.ok(!full.equals(full.bare()));
    assert.equal(full.bare().withResource("orchard").toString(), "juliet@example.com/orchard");
    assert.throws(
      () => full.withResource(""),
      (e: unknown) => isXhaError(e, "XHA_JID_INVALID"),
    );
  });
  void test("a Jid is immutable", () => {
    const j = parseJid("juliet@example.com");
    assert.throws(() => Object.assign(j, { domain: "evil.example" }), TypeError);
  });
  void test("makeJid prepares each part and rejects empty ones", () => {
    assert.equal(makeJid("ROMEO", "Example.NET", "Garden").toString(), "romeo@example.net/Garden");
    assert.equal(makeJid(undefined, "example.net").toString(), "example.net");
    assert.throws(() => makeJid("", "example.net"), /localpart/);
    assert.throws(() => makeJid("romeo", ""), /domainpart/);
    assert.throws(() => makeJid("romeo", "example.net", ""), /resourcepart/);
    assert.throws(() => makeJid("ro@meo", "example.net"), /U\+0040/);
  });
  void test("IP literal domainparts", () => {
    assert.equal(parseJid("admin@[::1]/x").domain, "[::1]");
    assert.equal(parseJid("admin@127.0.0.1").domain, "127.0.0.1");
  });
  void test("byte limits: 1023 bytes per part, 1024 rejected", () => {
    assert.ok(parseJid(`${"a".repeat(1023)}@example.com/${"r".repeat(1023)}`));
    rejects(`${"a".repeat(1024)}@example.com`, /localpart.*1024 bytes/);
    rejects(`juliet@example.com/${"é".repeat(512)}`, /resourcepart.*1024 bytes/);
  });
});
