// The PROXY protocol header parser (v1 text, v2 binary): byte by byte, every malformation refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseProxyHeader, V2_SIGNATURE, V2_MAX } from "../../src/transport/proxy-protocol.ts";
import { forwardedClient } from "../../src/http/forwarded-for.ts";
import { AddressList } from "../../src/limits/client-address.ts";

const v2 = (cmd: number, fam: number, body: number[]) =>
  Buffer.concat([V2_SIGNATURE, Buffer.from([cmd, fam, body.length >> 8, body.length & 255, ...body])]);

test("v1: TCP4, TCP6 and UNKNOWN, with what follows left alone", () => {
  const line = "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n";
  const r = parseProxyHeader(Buffer.from(`${line}<stream`));
  assert.deepEqual(r, { kind: "header", length: line.length, source: { address: "192.0.2.1", port: 56324 } });
  const six = parseProxyHeader(Buffer.from("PROXY TCP6 2001:db8::1 ::1 1 2\r\n"));
  assert.deepEqual(six.kind === "header" && six.source, { address: "2001:db8::1", port: 1 });
  assert.deepEqual(parseProxyHeader(Buffer.from("PROXY UNKNOWN whatever\r\n")), {
    kind: "header",
    length: 24,
    source: undefined,
  });
});

test("v1 and v2 arriving a byte at a time ask for more until complete", () => {
  for (const full of [
    Buffer.from("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n"),
    v2(0x21, 0x11, [192, 0, 2, 1, 127, 0, 0, 1, 0, 80, 0, 81]),
  ]) {
    for (let n = 0; n < full.length; n++)
      assert.deepEqual(parseProxyHeader(full.subarray(0, n)), { kind: "more" }, `at ${n}`);
    assert.equal(parseProxyHeader(full).kind, "header");
  }
});

test("v2: IPv4, IPv6, TLVs skipped, LOCAL and UNSPEC without a source", () => {
  const four = parseProxyHeader(
    v2(0x21, 0x11, [192, 0, 2, 1, 127, 0, 0, 1, 0x1f, 0x90, 0, 81, 4, 0, 1, 0x61]),
  );
  assert.deepEqual(four, { kind: "header", length: 32, source: { address: "192.0.2.1", port: 8080 } });
  const addr6 = [0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 7];
  const six = parseProxyHeader(v2(0x21, 0x21, [...addr6, ...new Array<number>(16).fill(0), 0, 1, 0, 2]));
  assert.deepEqual(six.kind === "header" && six.source, { address: "2001:db8:0:0:0:0:0:7", port: 1 });
  assert.deepEqual(parseProxyHeader(v2(0x20, 0x00, [])), { kind: "header", length: 16, source: undefined });
  assert.deepEqual(parseProxyHeader(v2(0x21, 0x00, [])), { kind: "header", length: 16, source: undefined });
});

test("malformed headers are errors, never a guess", () => {
  const bad = [
    "GET / HTTP/1.1\r\n",
    "<?xml version='1.0'?>",
    "PROXY TCP4 192.0.2.1 198.51.100.2 56324\r\n",
    "PROXY TCP4 192.0.2.1 198.51.100.2 65536 1\r\n",
    "PROXY TCP4 192.0.2.1 198.51.100.2 0443 1\r\n",
    "PROXY TCP4 2001:db8::1 198.51.100.2 1 1\r\n",
    "PROXY TCP6 192.0.2.1 ::1 1 1\r\n",
    "PROXY UDP4 192.0.2.1 198.51.100.2 1 1\r\n",
    "PROXY TCP4  192.0.2.1 198.51.100.2 1 1\r\n",
    `PROXY TCP4 ${"9".repeat(110)}`,
  ];
  for (const b of bad) assert.equal(parseProxyHeader(Buffer.from(b)).kind, "error", b);
  assert.equal(parseProxyHeader(v2(0x11, 0x11, new Array<number>(12).fill(0))).kind, "error"); // version 1
  assert.equal(parseProxyHeader(v2(0x22, 0x11, new Array<number>(12).fill(0))).kind, "error"); // command 2
  assert.equal(parseProxyHeader(v2(0x21, 0x12, new Array<number>(12).fill(0))).kind, "error"); // UDP
  assert.equal(parseProxyHeader(v2(0x21, 0x11, new Array<number>(8).fill(0))).kind, "error"); // short
  assert.equal(parseProxyHeader(v2(0x21, 0x31, new Array<number>(216).fill(0))).kind, "error"); // unix
  const huge = Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, 0x11, 0xff, 0xff])]);
  assert.equal(parseProxyHeader(huge).kind, "error");
  assert.ok(V2_MAX < 0xffff);
});

test("X-Forwarded-For: read from the right through trusted hops only", () => {
  const trusted = new AddressList(["127.0.0.1", "10.0.0.0/8"]);
  assert.equal(forwardedClient("127.0.0.1", "198.51.100.4", trusted), "198.51.100.4");
  assert.equal(
    forwardedClient("::ffff:127.0.0.1", "1.1.1.1, 198.51.100.4, 10.0.0.9", trusted),
    "198.51.100.4",
  );
  assert.equal(forwardedClient("127.0.0.1", ["1.1.1.1", "10.0.0.2"], trusted), "1.1.1.1");
  assert.equal(forwardedClient("127.0.0.1", "[2001:db8::5]:443", trusted), "2001:db8::5");
  assert.equal(forwardedClient("127.0.0.1", "198.51.100.4:8080", trusted), "198.51.100.4");
  // Garbage stops the walk at the last trusted hop; an untrusted peer's header is ignored.
  assert.equal(forwardedClient("127.0.0.1", "198.51.100.4, junk", trusted), "127.0.0.1");
  assert.equal(forwardedClient("127.0.0.1", "junk, 10.0.0.3", trusted), "10.0.0.3");
  assert.equal(forwardedClient("203.0.113.9", "198.51.100.4", trusted), "203.0.113.9");
  assert.equal(forwardedClient("127.0.0.1", "10.0.0.3, 10.0.0.4", trusted), "10.0.0.3");
  assert.equal(forwardedClient("127.0.0.1", undefined, trusted), "127.0.0.1");
});
