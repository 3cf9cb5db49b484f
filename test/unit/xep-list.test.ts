// README.md's "Supported standards" table and xmpp-http-auth.doap (XEP-0453) list the same XEPs with
// the same versions and statuses, so the two never drift apart.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), "utf8");

interface Entry {
  readonly xep: string;
  readonly version: string;
  readonly status: string;
}

function fromReadme(): Entry[] {
  const text = read("README.md");
  const section = text.slice(text.indexOf("## Supported standards"));
  const rows = [...section.matchAll(/^\| \[XEP-(\d{4})\]\([^)]*\) \| [^|]+ \| ([^|]+) \| ([^|]+) \|/gm)];
  return rows.map((m) => ({ xep: m[1] ?? "", version: (m[2] ?? "").trim(), status: (m[3] ?? "").trim() }));
}

function fromDoap(): Entry[] {
  const blocks = [
    ...read("xmpp-http-auth.doap").matchAll(/<xmpp:SupportedXep>([\s\S]*?)<\/xmpp:SupportedXep>/g),
  ];
  return blocks.map((b) => {
    const body = b[1] ?? "";
    const tag = (name: string) =>
      new RegExp(`<xmpp:${name}>([^<]*)</xmpp:${name}>`).exec(body)?.[1]?.trim() ?? "";
    return {
      xep: /xep-(\d{4})\.html/.exec(body)?.[1] ?? "",
      version: tag("version"),
      status: tag("status"),
    };
  });
}

test("the README's XEP table and the DOAP file list the same XEPs, versions and statuses", () => {
  const readme = fromReadme();
  const doap = fromDoap();
  assert.ok(readme.length >= 10, "the README table was not found");
  assert.deepEqual(doap, readme);
  // In number order, each once, every version and status given.
  const numbers = readme.map((e) => e.xep);
  assert.deepEqual(numbers, [...new Set(numbers)].sort());
  for (const e of readme) {
    assert.match(e.version, /^\d+(\.\d+)*$/, `XEP-${e.xep} version`);
    assert.match(e.status, /^(complete|partial|planned|deprecated|removed)$/, `XEP-${e.xep} status`);
  }
});

test("the DOAP file names the project, its licence and language (XEP-0453 §3)", () => {
  const doap = read("xmpp-http-auth.doap");
  for (const part of [
    "<name>xmpp-http-auth</name>",
    "<shortdesc>",
    "<homepage ",
    "MIT",
    "<programming-language>TypeScript<",
  ])
    assert.ok(doap.includes(part), part);
});
