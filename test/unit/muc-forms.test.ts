// The muc#roomconfig form (XEP-0045 §10.2) and the XEP-0313 query parser of the MUC component.
import { test } from "node:test";
import assert from "node:assert/strict";
import { el } from "../../src/xml/element.ts";
import {
  applyConfigForm,
  configForm,
  defaultRoomConfig,
  parseStoredConfig,
} from "../../src/components/muc/room-config.ts";
import { parseMamQuery } from "../../src/components/muc/mam-query.ts";
import { MUC_OPTIONS, type MucOptions } from "../../src/components/muc/options.ts";

const options = Object.fromEntries(
  Object.entries(MUC_OPTIONS).map(([k, s]) => [k, s.default]),
) as unknown as MucOptions;
const submit = (fields: Record<string, string>) =>
  el(
    "x",
    { xmlns: "jabber:x:data", type: "submit" },
    ...Object.entries(fields).map(([v, value]) => el("field", { var: v }, el("value", {}, value))),
  );
const limits = { maxUsers: 100, maxHistory: 20 };

test("defaults follow the options; the form shows the current values", () => {
  const c = defaultRoomConfig({
    ...options,
    muc_room_default_persistent: true,
    muc_room_default_history_length: 50,
  });
  assert.equal(c.persistent, true);
  assert.equal(c.historyLength, 20, "capped by max_history_messages");
  const form = configForm(c, 100);
  const value = (v: string) =>
    form
      .getChildren("field")
      .find((f) => f.attrs.var === v)
      ?.getChildText("value");
  assert.equal(value("muc#roomconfig_persistentroom"), "1");
  assert.equal(value("FORM_TYPE"), "http://jabber.org/protocol/muc#roomconfig");
});

test("a submitted form changes what it names, checks values and caps numbers", () => {
  const c = defaultRoomConfig(options);
  const next = applyConfigForm(
    c,
    submit({
      "muc#roomconfig_membersonly": "true",
      "muc#roomconfig_historylength": "500",
      "muc#roomconfig_roomname": "R",
      "unknown#field": "x",
    }),
    limits,
  );
  assert.ok(typeof next !== "string");
  assert.equal(next.membersOnly, true);
  assert.equal(next.historyLength, 20);
  assert.equal(next.name, "R");
  assert.equal(next.moderated, c.moderated);
  assert.match(
    applyConfigForm(c, submit({ "muc#roomconfig_moderatedroom": "maybe" }), limits) as string,
    /must be a boolean/,
  );
  assert.match(
    applyConfigForm(c, submit({ "muc#roomconfig_maxusers": "1000" }), limits) as string,
    /from 1 to 100/,
  );
  assert.match(
    applyConfigForm(c, submit({ "muc#roomconfig_passwordprotectedroom": "1" }), limits) as string,
    /roomsecret is required/,
  );
  const open = applyConfigForm(
    { ...c, password: "x" },
    submit({ "muc#roomconfig_passwordprotectedroom": "0" }),
    limits,
  );
  assert.equal(typeof open !== "string" && open.password, "");
});

test("a stored configuration keeps known fields of the right type over the defaults", () => {
  const d = defaultRoomConfig(options);
  const c = parseStoredConfig(JSON.stringify({ name: "N", persistent: "yes", extra: 1 }), d);
  assert.equal(c.name, "N");
  assert.equal(c.persistent, d.persistent);
  assert.equal((c as unknown as Record<string, unknown>).extra, undefined);
});

test("MAM queries: form fields, RSM paging, bad values", () => {
  const form = el(
    "x",
    { xmlns: "jabber:x:data", type: "submit" },
    el("field", { var: "FORM_TYPE" }, el("value", {}, "urn:xmpp:mam:2")),
    el("field", { var: "with" }, el("value", {}, "r@muc/n")),
    el("field", { var: "start" }, el("value", {}, "2020-01-01T00:00:00Z")),
  );
  const rsm = el(
    "set",
    { xmlns: "http://jabber.org/protocol/rsm" },
    el("max", {}, "10000"),
    el("before", {}),
  );
  const q = parseMamQuery(el("query", { xmlns: "urn:xmpp:mam:2", queryid: "q" }, form, rsm));
  assert.ok(typeof q !== "string");
  assert.equal(q.with, "r@muc/n");
  assert.equal(q.start, Date.parse("2020-01-01T00:00:00Z"));
  assert.equal(q.max, 250);
  assert.equal(q.fromEnd, true);
  assert.equal(q.beforeId, undefined);
  const after = parseMamQuery(
    el("query", {}, el("set", { xmlns: "http://jabber.org/protocol/rsm" }, el("after", {}, "id9"))),
  );
  assert.ok(typeof after !== "string" && after.afterId === "id9" && after.max === 50 && !after.fromEnd);
  const bad = el("x", { xmlns: "jabber:x:data" }, el("field", { var: "end" }, el("value", {}, "yesterday")));
  assert.match(parseMamQuery(el("query", {}, bad)) as string, /end is not/);
  assert.match(
    parseMamQuery(
      el("query", {}, el("set", { xmlns: "http://jabber.org/protocol/rsm" }, el("max", {}, "-1"))),
    ) as string,
    /max/,
  );
});
