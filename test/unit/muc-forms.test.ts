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
