// XEP-0313 §4.1 form fields and XEP-0059 paging read into a store query: what each field means, the
// page size cap, and the error each malformed query earns.
import { test } from "node:test";
import assert from "node:assert/strict";
import { el, type Element } from "../../src/xml/element.ts";
import { parseQuery } from "../../src/modules/mam/query-form.ts";
import { idRange } from "../../src/storage/mam.ts";

const MAM = "urn:xmpp:mam:2";
const limits = { defaultMax: 20, maxMax: 50, count: false };
const field = (name: string, ...values: string[]) =>
  el("field", { var: name }, ...values.map((v) => el("value", {}, v)));
const query = (...children: Element[]) => el("query", { xmlns: MAM }, ...children);
const form = (...fields: Element[]) =>
  el("x", { xmlns: "jabber:x:data", type: "submit" }, field("FORM_TYPE", MAM), ...fields);
const rsm = (...children: Element[]) => el("set", { xmlns: "http://jabber.org/protocol/rsm" }, ...children);

test("an empty query: the first page of the default size, forwards", () => {
  const r = parseQuery(query(), limits);
  assert.ok("query" in r);
  assert.equal(r.query.max, 20);
  assert.equal(r.query.backwards, false);
  assert.equal(r.flip, false);
});

test("fields and paging", () => {
  const r = parseQuery(
    query(
      form(
        field("with", "Juliet@Capulet.lit/balcony"),
        field("start", "2010-06-07T00:00:00Z"),
        field("end", "2010-07-07T13:23:54.5+02:00"),
        field("after-id", "a1"),
      ),
      rsm(el("max", {}, "1000"), el("before")),
      el("flip-page"),
    ),
    limits,
  );
  assert.ok("query" in r);
  assert.equal(r.query.with, "juliet@capulet.lit/balcony");
  assert.equal(r.query.withFull, true);
  assert.equal(r.query.start, Date.parse("2010-06-07T00:00:00Z"));
  assert.equal(r.query.end, Date.parse("2010-07-07T11:23:54.5Z"));
  assert.deepEqual(r.query.after, ["a1"]);
  assert.deepEqual(r.query.before, []);
  assert.equal(r.query.max, 50, "capped at max_archive_query_results");
  assert.equal(r.query.backwards, true, "an empty <before/> is the last page");
  assert.equal(r.flip, true);
});

test("errors: unknown field, bad FORM_TYPE, dates, JIDs, max, index, too many ids", () => {
  const cases: [Element, string][] = [
    [query(form(field("{urn:x}search", "x"))), "feature-not-implemented"],
    [
      query(el("x", { xmlns: "jabber:x:data", type: "submit" }, field("FORM_TYPE", "urn:xmpp:mam:1"))),
      "bad-request",
    ],
    [query(form(field("start", "2010-06-07"))), "bad-request"],
    [query(form(field("end", "2010-13-45T00:00:00Z"))), "bad-request"],
    [query(form(field("with", "a@b@c"))), "bad-request"],
    [query(rsm(el("max", {}, "-1"))), "bad-request"],
    [query(rsm(el("index", {}, "3"))), "feature-not-implemented"],
    [query(form(field("ids", ...Array.from({ length: 101 }, (_, i) => String(i))))), "bad-request"],
  ];
  for (const [q, condition] of cases) {
    const r = parseQuery(q, limits);
    assert.ok("condition" in r, String(q));
    assert.equal(r.condition, condition, String(q));
  }
});

test("time bounds far in the past or future stay in range", () => {
  const far = idRange({ start: Date.parse("9999-01-01T00:00:00Z"), max: 1, backwards: false, count: false });
  assert.equal(far.lo, "zzzzzzzzz");
  const past = idRange({ end: Date.parse("0001-01-01T00:00:00Z"), max: 1, backwards: false, count: false });
  assert.equal(past.hi, "000000000");
});
