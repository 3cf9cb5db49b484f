// RFC 8264 / RFC 8265 / RFC 7622 §3.2-§3.4: PRECIS classes, profiles and JID part preparation.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  derivedProperty,
  domainPrep,
  localpartPrep,
  opaqueString,
  resourcePrep,
  usernameCaseMapped,
  type PrecisResult,
} from "../../src/precis/index.ts";
import { classLookup } from "../../src/precis/range-table.ts";
import { bidiClass, isVirama, joiningType, widthMapping } from "../../src/precis/unicode-props.ts";

function value(r: PrecisResult): string {
  assert.ok(r.ok, `expected success, got: ${r.ok ? "" : r.reason}`);
  return r.value;
}

function reason(r: PrecisResult): string {
  assert.ok(!r.ok, `expected failure, got ${JSON.stringify(r.ok && r.value)}`);
  return r.reason;
}

void describe("RFC 8264 §8 derived property", () => {
  const cases: Array<[number, string, string]> = [
    [0x61, "PVALID", "ASCII7"],
    [0x7e, "PVALID", "ASCII7 upper bound"],
    [0x20, "FREE_PVAL", "SPACE is Spaces, not ASCII7"],
    [0x09, "DISALLOWED", "Controls"],
    [0x7f, "DISALLOWED", "DEL is a control"],
    [0xdf, "PVALID", "Exceptions: sharp s"],
    [0x03c2, "PVALID", "Exceptions: final sigma"],
    [0x0640, "DISALLOWED", "Exceptions: tatweel"],
    [0x3032, "DISALLOWED", "Exceptions: vertical kana repeat mark"],
    [0xb7, "CONTEXTO", "Exceptions: middle dot"],
    [0x0663, "CONTEXTO", "Exceptions: Arabic-Indic digit"],
    [0x200c, "CONTEXTJ", "JoinControl ZWNJ"],
    [0x200d, "CONTEXTJ", "JoinControl ZWJ"],
    [0x0378, "UNASSIGNED", "unassigned"],
    [0xfdd0, "DISALLOWED", "a noncharacter is not Unassigned but PrecisIgnorable"],
    [0x10ffff, "DISALLOWED", "a plane-end noncharacter"],
    [0x1100, "DISALLOWED", "OldHangulJamo L"],
    [0xd7cb, "DISALLOWED", "OldHangulJamo T"],
    [0xad, "DISALLOWED", "SOFT HYPHEN is Default_Ignorable"],
    [0x2163, "FREE_PVAL", "ROMAN NUMERAL FOUR has a compatibility mapping"],
    [0xff21, "FREE_PVAL", "fullwidth A has a compatibility mapping"],
    [0x265a, "FREE_PVAL", "Symbols"],
    [0x2d, "PVALID", "ASCII punctuation is ASCII7"],
    [0x2010, "FREE_PVAL", "non-ASCII punctuation (HYPHEN)"],
    [0x01c5, "FREE_PVAL", "titlecase Dž (also HasCompat)"],
    [0x00e9, "PVALID", "LetterDigits"],
    [0x0301, "PVALID", "Mn is LetterDigits"],
    [0xe000, "DISALLOWED", "private use"],
    [0xd800, "DISALLOWED", "a surrogate"],
    [0x2028, "DISALLOWED", "LINE SEPARATOR (Zl)"],
    [0xac00, "PVALID", "a precomposed Hangul syllable"],
  ];
  for (const [cp, expected, why] of cases) {
    void test(`U+${cp.toString(16).toUpperCase()} is ${expected} (${why})`, () => {
      assert.equal(derivedProperty(cp), expected);
    });
  }
});

void describe("generated UCD tables", () => {
  void test("Bidi_Class of representative code points", () => {
    assert.equal(bidiClass(0x41), "L");
    assert.equal(bidiClass(0x05d0), "R");
    assert.equal(bidiClass(0x0627), "AL");
    assert.equal(bidiClass(0x0661), "AN");
    assert.equal(bidiClass(0x31), "EN");
    assert.equal(bidiClass(0x06f1), "EN");
    assert.equal(bidiClass(0x2c), "CS");
    assert.equal(bidiClass(0x0301), "NSM");
    assert.equal(bidiClass(0x20), "X"); // WS
  });
  void test("Joining_Type, Virama and width mappings", () => {
    assert.equal(joiningType(0x0628), "D"); // BEH
    assert.equal(joiningType(0x0627), "R"); // ALEF
    assert.equal(joiningType(0x064e), "T"); // FATHA
    assert.equal(joiningType(0x41), "U");
    assert.ok(isVirama(0x094d)); // DEVANAGARI SIGN VIRAMA
    assert.ok(!isVirama(0x0301));
    assert.equal(widthMapping(0xff21), 0x41);
    assert.equal(widthMapping(0xff76), 0x30ab); // HALFWIDTH KATAKANA KA
    assert.equal(widthMapping(0x3000), 0x20); // IDEOGRAPHIC SPACE is <wide>
    assert.equal(widthMapping(0x41), 0x41);
  });
  void test("a malformed table token is reported, not silently skipped", () => {
    assert.throws(() => classLookup(["12.zzQ"])(0x12), /malformed range token/);
  });
});

void describe("RFC 8265 §3.3 UsernameCaseMapped", () => {
  void test("Table 1: legal userparts", () => {
    assert.equal(value(usernameCaseMapped("juliet@example.com")), "juliet@example.com");
    assert.equal(value(usernameCaseMapped("fussball")), "fussball");
    assert.equal(value(usernameCaseMapped("fußball")), "fußball"); // ß is not case-folded to ss
    assert.equal(value(usernameCaseMapped("π")), "π");
    assert.equal(value(usernameCaseMapped("Σ")), "σ");
    assert.equal(value(usernameCaseMapped("σ")), "σ");
    assert.equal(value(usernameCaseMapped("ς")), "ς"); // stays distinct from σ
  });
  void test("Table 2: strings that are not userparts", () => {
    assert.match(
      reason(usernameCaseMapped("foo bar")),
      /U\+0020 at index 3 is not allowed in the IdentifierClass/,
    );
    assert.match(reason(usernameCaseMapped("")), /empty/);
    assert.match(reason(usernameCaseMapped("henryⅣ")), /U\+2163/);
    assert.match(reason(usernameCaseMapped("♚")), /U\+265A/);
  });
  void test("case mapping with toLowerCase()", () => {
    assert.equal(value(usernameCaseMapped("ALICE")), "alice");
    assert.equal(value(usernameCaseMapped("StPeter")), "stpeter");
    // U+0130 lower-cases to i + COMBINING DOT ABOVE, which NFC leaves as two code points.
    assert.equal(value(usernameCaseMapped("\u0130")), "i\u0307");
    // Unicode toLowerCase() applies the Final_Sigma context: a word-final capital sigma becomes ς.
    assert.equal(value(usernameCaseMapped("ΟΔΥΣΣΕΥΣ")), "οδυσσευς");
  });
  void test("fullwidth and halfwidth forms are mapped before the class check", () => {
    assert.equal(value(usernameCaseMapped("ＡＬＩＣＥ")), "alice");
    assert.equal(value(usernameCaseMapped("ｶ")), "カ");
  });
  void test("the class is checked before case mapping (KELVIN SIGN is not a k)", () => {
    assert.match(reason(usernameCaseMapped("\u212a")), /U\+212A/);
  });
  void test("NFC: decomposed and precomposed input give the same output", () => {
    assert.equal(value(usernameCaseMapped("Zoe\u0308")), "zo\u00eb");
    assert.equal(value(usernameCaseMapped("Zo\u00eb")), "zo\u00eb");
  });
  void test("controls, unassigned, ignorable and private-use code points are rejected", () => {
    assert.match(reason(usernameCaseMapped("a\tb")), /U\+0009 at index 1 is disallowed/);
    assert.match(reason(usernameCaseMapped("a\u0000")), /U\+0000/);
    assert.match(reason(usernameCaseMapped("a\u0378")), /U\+0378 at index 1 is unassigned/);
    assert.match(reason(usernameCaseMapped("a\u00adb")), /U\+00AD/);
    assert.match(reason(usernameCaseMapped("\ue000")), /U\+E000/);
  });
  void test("the Bidi Rule applies to strings with right-to-left code points", () => {
    assert.equal(value(usernameCaseMapped("שלום")), "שלום");
    assert.equal(value(usernameCaseMapped("א1")), "א1"); // RTL may end with EN
    assert.match(reason(usernameCaseMapped("aא")), /Bidi Rule 5/);
    assert.match(reason(usernameCaseMapped("אa")), /Bidi Rule 2/);
    assert.match(reason(usernameCaseMapped("1א")), /Bidi Rule 1/);
    assert.match(reason(usernameCaseMapped("א-")), /Bidi Rule 3/);
    assert.match(reason(usernameCaseMapped("ب١1")), /Bidi Rule 4/);
    assert.equal(value(usernameCaseMapped("abc1")), "abc1"); // no RTL: no directionality processing
  });
  void test("CONTEXTJ: ZWNJ and ZWJ (RFC 5892 A.1, A.2)", () => {
    assert.ok(usernameCaseMapped("क्\u200dष").ok, "ZWJ after a virama");
    assert.ok(usernameCaseMapped("क्\u200cष").ok, "ZWNJ after a virama");
    assert.ok(usernameCaseMapped("ب\u200cب").ok, "ZWNJ between dual-joining letters");
    assert.ok(usernameCaseMapped("بَ\u200cب").ok, "transparent marks are skipped");
    assert.match(reason(usernameCaseMapped("ا\u200cب")), /U\+200C/); // ALEF is right-joining
    assert.match(reason(usernameCaseMapped("a\u200cb")), /U\+200C at index 1 is not allowed in this context/);
    assert.match(reason(usernameCaseMapped("a\u200db")), /U\+200D/);
  });
  void test("CONTEXTO rules (RFC 5892 A.3-A.9)", () => {
    assert.ok(usernameCaseMapped("l·l").ok);
    assert.match(reason(usernameCaseMapped("a·b")), /U\+00B7/);
    assert.ok(usernameCaseMapped("\u0375α").ok);
    assert.match(reason(usernameCaseMapped("\u0375a")), /U\+0375/);
    assert.ok(usernameCaseMapped("א\u05f3").ok);
    assert.match(reason(usernameCaseMapped("a\u05f4")), /U\+05F4/);
    assert.ok(usernameCaseMapped("カ\u30fbカ").ok);
    assert.match(reason(usernameCaseMapped("a\u30fbb")), /U\+30FB/);
    assert.ok(usernameCaseMapped("ب١٢").ok);
    assert.match(reason(usernameCaseMapped("ب١۲")), /U\+0661/);
  });
  void test("output is stable under re-application", () => {
    for (const s of ["ALICE", "ＡＬＩＣＥ", "Zoe\u0308", "\u0130", "ΟΔΥΣΣΕΥΣ", "שלום"]) {
      const once = value(usernameCaseMapped(s));
      assert.equal(value(usernameCaseMapped(once)), once);
    }
  });
});

void describe("RFC 8265 §4.2 OpaqueString", () => {
  void test("Table 3: legal passwords", () => {
    assert.equal(value(opaqueString("correct horse battery staple")), "correct horse battery staple");
    assert.equal(value(opaqueString("Correct Horse Battery Staple")), "Correct Horse Battery Staple");
    assert.equal(value(opaqueString("πßå")), "πßå");
    assert.equal(value(opaqueString("Jack of ♦s")), "Jack of ♦s");
    assert.equal(value(opaqueString("foo\u1680bar")), "foo bar");
  });
  void test("Table 4: strings that are not passwords", () => {
    assert.match(reason(opaqueString("")), /empty/);
    assert.match(reason(opaqueString("my cat is a \u0009by")), /U\+0009 at index 12/);
  });
  void test("every non-ASCII space becomes U+0020; nothing else is mapped", () => {
    assert.equal(value(opaqueString("a\u00a0b\u3000c\u2009d")), "a b c d");
    assert.equal(value(opaqueString("ＡＢＣ")), "ＡＢＣ"); // no width mapping
    assert.equal(value(opaqueString("e\u0301")), "\u00e9"); // NFC
    assert.equal(value(opaqueString("aא")), "aא"); // no Bidi Rule
  });
  void test("controls, unassigned and private-use code points are rejected", () => {
    assert.match(reason(opaqueString("a\u0000")), /U\+0000/);
    assert.match(reason(opaqueString("\u0378")), /unassigned/);
    assert.match(reason(opaqueString("\ue000")), /U\+E000/);
    assert.match(reason(opaqueString("x\u200by")), /U\+200B/); // ZERO WIDTH SPACE is default-ignorable
  });
});

void describe("RFC 7622 part preparation", () => {
  void test("localpart: §3.3.1 characters are prohibited although the IdentifierClass allows them", () => {
    for (const ch of ['"', "&", "'", "/", ":", "<", ">", "@"]) {
      assert.match(reason(localpartPrep(`a${ch}b`)), /not allowed in a localpart/, ch);
    }
    assert.equal(value(localpartPrep("foo\\20bar")), "foo\\20bar"); // XEP-0106 escapes pass
  });
  void test("localpart and resourcepart: at most 1023 bytes of UTF-8", () => {
    assert.equal(value(localpartPrep("a".repeat(1023))).length, 1023);
    assert.match(reason(localpartPrep("a".repeat(1024))), /1024 bytes/);
    assert.ok(resourcePrep("€".repeat(341)).ok); // 1023 bytes
    assert.match(reason(resourcePrep("€".repeat(342))), /1026 bytes/);
    assert.equal(value(resourcePrep("x".repeat(1023))).length, 1023);
    assert.match(reason(resourcePrep("x".repeat(1024))), /resourcepart is 1024 bytes/);
    // Limits apply after preparation: NFC turns 1024 bytes of e + U+0301 pairs into fewer.
    assert.ok(localpartPrep("e\u0301".repeat(341) + "a").ok);
  });
  void test("domainpart: case, trailing dot, IDNA forms", () => {
    assert.equal(value(domainPrep("Example.COM")), "example.com");
    assert.equal(value(domainPrep("example.com.")), "example.com");
    assert.equal(value(domainPrep("example\uff0ecom")), "example.com"); // fullwidth full stop
    assert.equal(value(domainPrep("ÄÖÜ.example")), "äöü.example");
    assert.equal(value(domainPrep("xn--4ca0bs.example")), "äöü.example"); // A-labels become U-labels
    assert.equal(value(domainPrep("a_b.example")), "a_b.example");
  });
  void test("domainpart: IP literals", () => {
    assert.equal(value(domainPrep("192.0.2.1")), "192.0.2.1");
    assert.equal(value(domainPrep("[2001:DB8::1]")), "[2001:db8::1]");
    assert.match(reason(domainPrep("[example.com]")), /IPv6/);
    assert.match(reason(domainPrep("0x7f.1")), /dotted-quad/);
  });
  void test("domainpart: invalid names", () => {
    assert.match(reason(domainPrep("")), /empty/);
    assert.match(reason(domainPrep("a..b")), /label is empty/);
    assert.match(reason(domainPrep("example.com..")), /label is empty/);
    assert.match(reason(domainPrep("-a.example")), /not a valid host name label/);
    assert.match(reason(domainPrep("a!b.example")), /not a valid host name label/);
    assert.match(reason(domainPrep("ex ample.com")), /not a valid domain name/);
    assert.match(reason(domainPrep("@example.com")), /not a valid domain name/);
    assert.match(reason(domainPrep("xn--zz.example")), /not a valid domain name/);
    assert.match(reason(domainPrep("♚.example")), /U\+265A/);
    assert.match(reason(domainPrep("aא.example")), /Bidi Rule 5/);
    assert.equal(value(domainPrep("שלום.example")), "שלום.example");
  });
  void test("domainpart: labels of 1-63 bytes, the whole at most 1023 bytes", () => {
    assert.ok(domainPrep(`${"a".repeat(63)}.example`).ok);
    assert.match(reason(domainPrep(`${"a".repeat(64)}.example`)), /64 bytes, more than 63/);
    const longest = Array.from({ length: 16 }, () => "a".repeat(63)).join("."); // 16*63+15 = 1023
    assert.equal(value(domainPrep(longest)).length, 1023);
    assert.match(reason(domainPrep(`b${longest}`)), /more than (63|1023)/);
    assert.match(reason(domainPrep(`b.${longest}`)), /1025 bytes/);
  });
});
