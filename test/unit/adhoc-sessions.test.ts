// XEP-0050 command sessions: per requester, bounded in number (the oldest goes) and in time
// (session-expired once, then unknown).
import { test } from "node:test";
import assert from "node:assert/strict";
import { CommandSessions, MAX_SESSIONS_PER_JID } from "../../src/modules/adhoc/command-sessions.ts";

test("sessions belong to one full JID, expire, and the oldest makes room", () => {
  let now = 1000;
  const s = new CommandSessions(() => now, 60_000);
  const a = s.open("a@x/1", "announce");
  assert.equal(s.find("a@x/1", a.id).ok, true);
  assert.deepEqual(s.find("a@x/2", a.id), { ok: false, reason: "bad-sessionid" });
  now += 60_000;
  assert.deepEqual(s.find("a@x/1", a.id), { ok: false, reason: "session-expired" });
  assert.deepEqual(s.find("a@x/1", a.id), { ok: false, reason: "bad-sessionid" });
  const ids = Array.from({ length: MAX_SESSIONS_PER_JID + 2 }, () => s.open("a@x/1", "n").id);
  assert.equal(s.size, MAX_SESSIONS_PER_JID);
  assert.equal(s.find("a@x/1", ids[0] ?? "").ok, false);
  assert.equal(s.find("a@x/1", ids.at(-1) ?? "").ok, true);
  s.forget("a@x/1");
  assert.equal(s.size, 0);
});
