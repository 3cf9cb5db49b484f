// The checker's small parts on their own: reading boolean bodies, masking secrets, parsing options.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { basicAuthorization, encodeValue } from "../../src/auth/http/protocol.ts";
import { describeShape, readBooleanBody } from "../../src/checker/boolean-body.ts";
import { parseCheckArgs, parseDuration, UsageError } from "../../src/checker/options.ts";
import { createRedactor } from "../../src/checker/redact.ts";

void describe("boolean bodies", () => {
  void it("only exactly true/false are exact; near-misses keep their meaning and get a specific complaint", () => {
    const cases: Array<[string, string, boolean | undefined, RegExp]> = [
      ["true", "exact", true, /exactly/],
      ["false", "exact", false, /exactly/],
      ["true\n", "trailing-newline", true, /ends with a newline/],
      ["false\r\n", "trailing-newline", false, /ends with a newline/],
      [" true", "whitespace", true, /spaces around/],
      ["TRUE", "case", true, /not lower-case/],
      ["False", "case", false, /not lower-case/],
      ['{"result":true}', "json", true, /is JSON/],
      ['{"exists":false,"code":0}', "json", false, /is JSON/],
      ["[1]", "json", undefined, /is JSON/],
      ["<!DOCTYPE html><html>500</html>", "html", undefined, /HTML page/],
      ["", "empty", undefined, /empty/],
      ["1", "other", undefined, /not true or false/],
    ];
    for (const [body, shape, meaning, message] of cases) {
      const reading = readBooleanBody(body);
      assert.deepEqual(reading, { shape, meaning }, JSON.stringify(body));
      assert.match(describeShape(reading.shape, body), message);
    }
  });
});

void describe("redactor", () => {
  void it("masks a secret raw, form-encoded, URI-encoded and base64 (as in a Basic header)", () => {
    const secret = "p äss&=+/?%";
    const redact = createRedactor([secret, "prosody:s3cr3t", undefined, ""]);
    const text = [
      secret,
      encodeValue(secret),
      encodeURIComponent(secret),
      basicAuthorization("prosody:s3cr3t"),
    ].join(" | ");
    assert.equal(redact(text), "*** | *** | *** | Basic ***");
    assert.equal(redact("nothing to hide"), "nothing to hide");
  });
});

void describe("check options", () => {
  void it("parses durations", () => {
    assert.equal(parseDuration("5s", "--timeout"), 5000);
    assert.equal(parseDuration("250ms", "--timeout"), 250);
    assert.equal(parseDuration("1.5", "--timeout"), 1500);
    assert.equal(parseDuration("1m", "--timeout"), 60_000);
    assert.throws(() => parseDuration("0s", "--timeout"), UsageError);
    assert.throws(() => parseDuration("fast", "--timeout"), UsageError);
  });

  void it("defaults, --flag=value, env fallbacks, flags over env", () => {
    const env = { XMPP_HTTP_AUTH_CREDENTIALS: "a:env", XMPP_HTTP_AUTH_PASSWORD: "envpw" };
    const parsed = parseCheckArgs(["http://h/$host/auth", "--user=alice", "--credentials=b:flag"], env);
    assert.ok(!parsed.help);
    assert.equal(parsed.options.server, "localhost");
    assert.equal(parsed.options.credentials, "b:flag");
    assert.equal(parsed.options.password, "envpw");
    assert.equal(parsed.options.timeoutMs, 5000);
    assert.equal(parsed.options.allowWrites, false);
    assert.ok(Object.isFrozen(parsed.options));
    const noUser = parseCheckArgs(["http://h/auth"], env);
    assert.ok(!noUser.help);
    assert.equal(noUser.options.password, undefined, "an env password without --user is ignored");
  });
});
