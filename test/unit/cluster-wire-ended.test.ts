// The cluster's close order with a reply address and its `ended` answer (src/cluster/wire.ts): a
// replacing node waits for `ended`, so neither may be half-read.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseMessage, type Direct } from "../../src/cluster/wire.ts";

test("a close order (with or without a reply address) and its answer parse; incomplete ones are refused", () => {
  const close: Direct = { t: "close", jid: "a@localhost/r", sid: "s1", cond: "conflict" };
  assert.deepEqual(parseMessage<Direct>(JSON.stringify(close)), close);
  const asking: Direct = { ...close, from: "n1", ref: "7" };
  assert.deepEqual(parseMessage<Direct>(JSON.stringify(asking)), asking);
  assert.equal(parseMessage<Direct>(JSON.stringify({ ...asking, from: 1 })), undefined);
  assert.equal(parseMessage<Direct>(JSON.stringify({ ...asking, ref: {} })), undefined);
  assert.equal(parseMessage<Direct>(JSON.stringify({ ...close, sid: undefined })), undefined);

  const ended: Direct = { t: "ended", jid: "a@localhost/r", sid: "s1", ref: "7" };
  assert.deepEqual(parseMessage<Direct>(JSON.stringify(ended)), ended);
  assert.equal(parseMessage<Direct>(JSON.stringify({ ...ended, ref: undefined })), undefined);
  assert.equal(parseMessage<Direct>(JSON.stringify({ ...ended, sid: 2 })), undefined);
  assert.equal(parseMessage<Direct>(JSON.stringify({ ...ended, jid: undefined })), undefined);
});
