// The pure parts of http_file_share: Range parsing (RFC 9110 §14), option parsing with Prosody-like
// periods, the inline/attachment decision, Content-Disposition, media type checks and PUT secrets.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRange } from "../../src/components/http-file-share/range.ts";
import {
  DEFAULT_EXPIRES_AFTER,
  DEFAULT_SIZE_LIMIT,
  parseFileShareOptions,
} from "../../src/components/http-file-share/options.ts";
import {
  contentDisposition,
  isContentType,
  isInlineSafe,
} from "../../src/components/http-file-share/content-headers.ts";
import {
  authorizes,
  hashSecret,
  isSlotId,
  newPutSecret,
  newSlotId,
} from "../../src/components/http-file-share/tokens.ts";
import { slotIdOf } from "../../src/components/http-file-share/http-handler.ts";
import { parseServerConfig } from "../../src/config/load.ts";
import { mayUpload } from "../../src/components/http-file-share/access.ts";

test("Range: one bytes range; suffixes; past the end is 416; anything else is the whole file", () => {
  assert.deepEqual(parseRange(undefined, 10), { kind: "full" });
  assert.deepEqual(parseRange("bytes=0-4", 10), { kind: "partial", start: 0, end: 4 });
  assert.deepEqual(parseRange("bytes=5-", 10), { kind: "partial", start: 5, end: 9 });
  assert.deepEqual(parseRange("bytes=5-100", 10), { kind: "partial", start: 5, end: 9 });
  assert.deepEqual(parseRange("bytes=-3", 10), { kind: "partial", start: 7, end: 9 });
  assert.deepEqual(parseRange("bytes=-30", 10), { kind: "partial", start: 0, end: 9 });
  assert.deepEqual(parseRange("bytes=10-", 10), { kind: "unsatisfiable" });
  assert.deepEqual(parseRange("bytes=-0", 10), { kind: "unsatisfiable" });
  for (const h of ["bytes=0-1,3-4", "items=0-1", "bytes=4-2", "bytes=-", "bytes=a-b", ""])
    assert.deepEqual(parseRange(h, 10), { kind: "full" }, h);
});

const fail = (key: string, message: string) => new Error(`${key} ${message}`);

test("options: Prosody's defaults, periods as seconds or words, and refusals naming the key", () => {
  const d = parseFileShareOptions({}, fail);
  assert.equal(d.http_file_share_size_limit, DEFAULT_SIZE_LIMIT);
  assert.equal(d.http_file_share_daily_quota, 10 * DEFAULT_SIZE_LIMIT);
  assert.equal(d.http_file_share_expires_after, DEFAULT_EXPIRES_AFTER);
  assert.deepEqual(d.http_file_share_access, []);
  assert.equal(d.http_external_url, undefined);
  assert.ok(Object.isFrozen(d));
  const o = parseFileShareOptions(
    {
      http_file_share_size_limit: 100,
      http_file_share_expires_after: "12h",
      http_file_share_access: ["Example.com", "alice@example.org"],
      http_external_url: "https://up.example.com/base/",
    },
    fail,
  );
  assert.equal(o.http_file_share_daily_quota, 1000);
  assert.equal(o.http_file_share_expires_after, 12 * 3600);
  assert.deepEqual(o.http_file_share_access, ["example.com", "alice@example.org"]);
  assert.equal(o.http_external_url, "https://up.example.com/base");
  for (const [p, s] of [
    ["1 week", 604800],
    ["7d", 604800],
    ["90", 90],
    [3600, 3600],
    ["2 days", 172800],
  ] as const)
    assert.equal(
      parseFileShareOptions({ http_file_share_expires_after: p }, fail).http_file_share_expires_after,
      s,
    );
  for (const [raw, key] of [
    [{ http_file_share_size_limit: 0 }, "http_file_share_size_limit"],
    [{ http_file_share_size_limit: "10M" }, "http_file_share_size_limit"],
    [{ http_file_share_size_limit: 100, http_file_share_daily_quota: 50 }, "http_file_share_daily_quota"],
    [{ http_file_share_expires_after: "soon" }, "http_file_share_expires_after"],
    [{ http_file_share_expires_after: 5 }, "http_file_share_expires_after"],
    [{ http_file_share_access: ["a/b"] }, "http_file_share_access"],
    [{ http_external_url: "ftp://x" }, "http_external_url"],
    [{ http_external_url: "https://x/?a=1" }, "http_external_url"],
    [{ http_file_share_size_limt: 1 }, "http_file_share_size_limt"],
  ] as const)
    assert.throws(() => parseFileShareOptions(raw, fail), new RegExp(`^Error: ${key} `), JSON.stringify(raw));
});

test("a bad component option is refused at start with the full key", () => {
  assert.throws(
    () =>
      parseServerConfig(
        {
          hosts: { "example.com": { http_auth_url: "http://127.0.0.1:1" } },
          components: { "upload.example.com": { module: "http_file_share", http_file_share_size_limit: -1 } },
        },
        "x.toml",
      ),
    /x\.toml: components\."upload\.example\.com"\.http_file_share_size_limit must be/,
  );
  assert.throws(
    () =>
      parseServerConfig(
        { hosts: { "example.com": { http_auth_url: "http://127.0.0.1:1" } }, http_external_url: "nope" },
        "x.toml",
      ),
    /x\.toml: http_external_url/,
  );
});

test("only media and plain text are inline; HTML and SVG are attachments", () => {
  for (const t of [
    "image/png",
    "image/jpeg",
    "audio/ogg",
    "video/mp4",
    "text/plain",
    "text/plain; charset=utf-8",
  ])
    assert.equal(isInlineSafe(t), true, t);
  for (const t of ["text/html", "image/svg+xml", "application/pdf", "application/javascript", "text/xml", ""])
    assert.equal(isInlineSafe(t), false, t);
});

test("Content-Disposition carries an ASCII fallback and the UTF-8 name (RFC 6266, RFC 8187)", () => {
  assert.equal(
    contentDisposition("attachment", 'é "x".txt'),
    `attachment; filename="_ _x_.txt"; filename*=UTF-8''%C3%A9%20%22x%22.txt`,
  );
  assert.equal(
    contentDisposition("inline", "a'(b).png"),
    `inline; filename="a'(b).png"; filename*=UTF-8''a%27%28b%29.png`,
  );
});

test("media types: type/subtype with parameters; no line breaks or non-ASCII", () => {
  for (const t of ["image/png", "text/plain; charset=utf-8", 'text/x; a="b c"'])
    assert.equal(isContentType(t), true, t);
  for (const t of ["png", "text/html\r\nSet-Cookie: a=b", 'a/b; c="é"', "a/b; c", `a/${"b".repeat(300)}`])
    assert.equal(isContentType(t), false, t);
});

test("slot ids and PUT secrets: random, well-formed, checked against the stored hash only", () => {
  const id = newSlotId();
  assert.ok(isSlotId(id));
  assert.notEqual(newSlotId(), id);
  assert.equal(isSlotId("../../etc/passwd"), false);
  const secret = newPutSecret();
  const hash = hashSecret(secret);
  assert.equal(authorizes(`Bearer ${secret}`, hash), true);
  assert.equal(authorizes(`Bearer ${newPutSecret()}`, hash), false);
  assert.equal(authorizes(secret, hash), false);
  assert.equal(authorizes(undefined, hash), false);
  assert.equal(slotIdOf(`/file_share/${id}/a%20b.txt`), id);
  assert.equal(slotIdOf(`/file_share/${id}`), id);
  assert.equal(slotIdOf("/file_share/short/a"), undefined);
  assert.equal(slotIdOf(`/other/${id}/a`), undefined);
});

test("access: every local account by default; only the listed JIDs and domains when set", () => {
  const local = (d: string) => d === "example.com" || d === "example.org";
  assert.equal(mayUpload([], local, "a@example.com"), true);
  assert.equal(mayUpload([], local, "a@elsewhere.net"), false);
  const list = ["example.org", "boss@example.com"];
  assert.equal(mayUpload(list, local, "a@example.org"), true);
  assert.equal(mayUpload(list, local, "boss@example.com"), true);
  assert.equal(mayUpload(list, local, "a@example.com"), false);
});
