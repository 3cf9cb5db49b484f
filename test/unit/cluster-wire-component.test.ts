// The cluster's message kinds for components (src/cluster/wire.ts): a forwarded stanza needs its
// sender, target and XML; a departure its node; anything else is refused, not half-read.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseMessage, type Broadcast, type Direct } from "../../src/cluster/wire.ts";

test("a component stanza and a departure parse; incomplete ones are refused", () => {
  const ok: Direct = {
    t: "component",
    jid: "a@localhost/r",
    to: "room@conference.localhost",
    xml: "<message/>",
  };
  assert.deepEqual(parseMessage<Direct>(JSON.stringify(ok)), ok);
  assert.equal(parseMessage<Direct>(JSON.stringify({ ...ok, to: undefined })), undefined);
  assert.equal(parseMessage<Direct>(JSON.stringify({ ...ok, xml: 1 })), undefined);
  const left: Broadcast = { t: "left", kind: "ended", jid: "a@localhost/r", from: "n1" };
  assert.deepEqual(parseMessage<Broadcast>(JSON.stringify(left)), left);
  assert.equal(parseMessage<Broadcast>(JSON.stringify({ ...left, from: 3 })), undefined);
  assert.equal(parseMessage<Broadcast>("{not json"), undefined);
});
