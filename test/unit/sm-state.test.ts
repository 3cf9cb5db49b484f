// XEP-0198 §4 bookkeeping of one session: the unacknowledged queue across the 2^32 wrap, acks that
// claim too much, and the queue limit that ends a session instead of growing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { el } from "../../src/xml/element.ts";
import { SmState, type SmEvents } from "../../src/modules/sm/sm-state.ts";
import type { Session } from "../../src/stream/session.ts";

const EVENTS: SmEvents = { hibernated: () => {}, queuedAsleep: () => {}, ended: () => {} };
const LIMITS = { hibernationSeconds: 60, maxQueue: 3, maxUnacked: 100 };

/** Just what SmState reads of a session. */
function fakeSession(): { session: Session; closed: string[] } {
  const closed: string[] = [];
  const session = {
    hibernating: false,
    isOpen: true,
    bound: true,
    transport: { send: () => {} },
    logger: { info: () => {}, debug: () => {} },
    close: (condition?: string) => closed.push(condition ?? "none"),
  } as unknown as Session;
  return { session, closed };
}

const message = (n: number) => el("message", { to: "a@x/r" }, el("body", {}, String(n)));

test("acks across the 2^32 wrap drop exactly the stanzas acknowledged", () => {
  const { session } = fakeSession();
  const state = new SmState("id", LIMITS, EVENTS);
  state.acked = 2 ** 32 - 2;
  for (const n of [1, 2, 3]) state.outbound(session, message(n), true);
  assert.equal(state.sent, 1);
  assert.equal(state.acknowledge(0), true);
  assert.equal(state.unackedCount, 1);
  assert.equal(state.acknowledge(5), false, "more than was sent");
  assert.equal(state.acknowledge(1), true);
  assert.equal(state.unackedCount, 0);
});

test("elements that are not stanzas are not counted", () => {
  const { session } = fakeSession();
  const state = new SmState(undefined, LIMITS, EVENTS);
  state.outbound(session, el("a", { xmlns: "urn:xmpp:sm:3", h: "0" }), true);
  state.outbound(session, el("presence", { xmlns: "jabber:client" }), true);
  assert.equal(state.unackedCount, 1);
});

test("the handled counter wraps", () => {
  const state = new SmState(undefined, LIMITS, EVENTS);
  state.handled = 2 ** 32 - 1;
  state.inbound();
  assert.equal(state.handled, 0);
});

test("asleep, one stanza past the queue limit ends the session; the stanza is kept for settling", async () => {
  const { session, closed } = fakeSession();
  const state = new SmState("id", LIMITS, EVENTS);
  for (const n of [1, 2, 3, 4]) state.outbound(session, message(n), false);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(closed, ["resource-constraint"]);
  assert.equal(state.mayHibernate(session), false);
  assert.equal(state.takeUnacked().length, 4);
});

test("connected, a burst may reach twice the limit; it cannot hibernate with more than the limit", async () => {
  const { session, closed } = fakeSession();
  const state = new SmState("id", LIMITS, EVENTS);
  for (const n of [1, 2, 3, 4, 5, 6]) state.outbound(session, message(n), true);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(closed, []);
  assert.equal(state.mayHibernate(session), false, "6 kept, the limit is 3");
  assert.equal(state.acknowledge(3), true);
  assert.equal(state.mayHibernate(session), true);
  for (const n of [7, 8, 9, 10]) state.outbound(session, message(n), true);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(closed, ["resource-constraint"]);
});
