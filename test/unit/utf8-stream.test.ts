import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Utf8Stream } from "../../src/xml/utf8-stream.ts";
import { HEADER, recorder, run } from "../helpers/stream-recorder.ts";

const decodeAll = (chunks: Buffer[]): (string | undefined)[] => {
  const u = new Utf8Stream();
  return chunks.map((c) => u.decode(c));
};

void describe("Utf8Stream", () => {
  void it("holds back a character cut at any byte and completes it with the next chunk", () => {
    const text = "aé€😀z";
    const bytes = Buffer.from(text, "utf8");
    for (let cut = 0; cut <= bytes.length; cut++) {
      const parts = decodeAll([bytes.subarray(0, cut), bytes.subarray(cut)]);
      assert.equal(parts.join(""), text, `cut at ${cut}`);
    }
  });

  void it("says when part of a character is waiting", () => {
    const u = new Utf8Stream();
    assert.equal(u.decode(Buffer.from([0x61, 0xf0, 0x9f])), "a");
    assert.equal(u.pending, true);
    assert.equal(u.decode(Buffer.from([0x98, 0x80])), "😀");
    assert.equal(u.pending, false);
  });

  void it("refuses what a fatal TextDecoder refuses", () => {
    const bad = [
      [0xc3, 0x28],
      [0xc0, 0x80],
      [0xed, 0xa0, 0x80],
      [0x80],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
      [0x80, 0x80, 0x80, 0x80],
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
    ];
    for (const b of bad) {
      const bytes = Buffer.from([0x61, ...b, 0x62]);
      assert.equal(new Utf8Stream().decode(bytes), undefined, Buffer.from(b).toString("hex"));
      assert.throws(() => new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    }
  });

  void it("refuses a lead byte followed by a non-continuation byte in the next chunk", () => {
    assert.deepEqual(decodeAll([Buffer.from([0x61, 0xe2]), Buffer.from("b")]), ["a", undefined]);
  });
});

void describe("stream parser: byte order mark and cut characters", () => {
  void it("drops a UTF-8 byte order mark at the start, even when split", () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const whole = run([Buffer.concat([bom, Buffer.from(HEADER + "<presence/>")])]);
    assert.deepEqual(run([Buffer.from(HEADER + "<presence/>")]), whole);
    assert.deepEqual(
      run([bom.subarray(0, 2), Buffer.concat([bom.subarray(2), Buffer.from(HEADER)]), "<presence/>"]),
      whole,
    );
    assert.equal(whole.filter((e) => e.type === "error").length, 0);
  });

  void it("reports a stream that ends inside a character as not-well-formed", () => {
    const { parser, events } = recorder();
    parser.write(Buffer.from(HEADER + "<message><body>"));
    parser.write(Buffer.from([0xe2, 0x82]));
    assert.deepEqual(
      events.map((e) => e.type),
      ["start"],
    );
    parser.end();
    const last = events.at(-1);
    assert.equal(last?.type === "error" && last.condition, "not-well-formed");
    assert.equal(last?.type === "error" && last.text, "invalid UTF-8");
  });

  void it("refuses text written while part of a character is waiting", () => {
    const { parser, events } = recorder();
    parser.write(Buffer.from(HEADER));
    parser.write(Buffer.from([0xc3]));
    parser.write("<presence/>");
    assert.deepEqual(
      events.map((e) => (e.type === "error" ? e.condition : e.type)),
      ["start", "not-well-formed"],
    );
  });
});
