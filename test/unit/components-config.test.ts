// [components."domain"] tables: module required and known, domain valid and distinct from [hosts],
// module options validated by the module with errors naming the full key.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseServerConfig } from "../../src/config/load.ts";
import * as v from "../../src/config/validators.ts";
import { pickComponentOptions } from "../../src/components/options.ts";
import type { ComponentModule } from "../../src/components/component.ts";

const echo: ComponentModule<{ readonly greeting: string }> = {
  name: "echo",
  parseOptions: (raw, invalid) =>
    pickComponentOptions(
      { greeting: { check: v.nonEmptyStr, default: "hi", doc: "what it says" } },
      raw,
      invalid,
    ),
  create: () => ({ name: "Echo", receive: () => {} }),
};
const modules = new Map([["echo", echo]]);
const base = { hosts: { "example.com": { http_auth_url: "http://127.0.0.1:1/" } } };
const parse = (components: unknown) => parseServerConfig({ ...base, components }, "t.toml", modules);

test("a component table is parsed with its module's options and defaults", () => {
  const c = parse({
    "Echo.Example.com": { module: "echo", greeting: "hello" },
    "e2.example.com": { module: "echo" },
  });
  assert.deepEqual([...c.components.keys()], ["echo.example.com", "e2.example.com"]);
  assert.deepEqual(c.components.get("echo.example.com")?.options, { greeting: "hello" });
  assert.deepEqual(c.components.get("e2.example.com")?.options, { greeting: "hi" });
  assert.equal(c.components.get("e2.example.com")?.module, "echo");
  assert.equal(parseServerConfig(base, "t.toml", modules).components.size, 0);
});

test("bad component tables are refused naming the key", () => {
  assert.throws(() => parse({ "x.example.com": {} }), /components\."x\.example\.com"\.module is required/);
  assert.throws(
    () => parse({ "x.example.com": { module: "nope" } }),
    /components\."x\.example\.com"\.module must name a component module \("echo"\)/,
  );
  assert.throws(
    () => parse({ "x.example.com": { module: "echo", greeting: 3 } }),
    /t\.toml: components\."x\.example\.com"\.greeting must be a non-empty string/,
  );
  assert.throws(
    () => parse({ "x.example.com": { module: "echo", greting: "x" } }),
    /components\."x\.example\.com"\.greting is not an option/,
  );
  assert.throws(() => parse({ "example.com": { module: "echo" } }), /is also a \[hosts\] entry/);
  assert.throws(
    () => parse({ "bad host": { module: "echo" } }),
    /components\."bad host" is not a valid host name/,
  );
  assert.throws(
    () => parse({ "a.example.com": { module: "echo" }, "A.example.com": { module: "echo" } }),
    /same domain/,
  );
  assert.throws(() => parse("conference"), /components must be a table/);
  assert.throws(() => parse({ "x.example.com": 1 }), /components\."x\.example\.com" must be a table/);
});
