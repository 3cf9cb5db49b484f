// XEP-0191 §3.3 and §3.4: when a user blocks a JID, each of the user's available resources sends it
// unavailable presence; when the user unblocks it, each sends its current presence. Both only to
// contacts that may see the user's presence (roster subscription "from" or "both", or directed
// presence, RFC 6121 §4.6), and only to local resources the list entry matches (XEP-0016 §2.1).
import { el, type Element } from "../../xml/element.ts";
import type { SessionHandle } from "../../router/session-handle.ts";
import type { ChatDeps } from "../chat-deps.ts";
import { withAttrs } from "../../stanza/copy.ts";
import { hasFrom } from "../roster/subscription-states.ts";
import { availableSessions, presenceOf } from "../presence/state.ts";
import { jidCandidates } from "./screen.ts";

/** The one place this module delivers presence: each available resource of `bare` an entry matches. */
function deliverMatching(
  deps: ChatDeps,
  bare: string,
  entries: ReadonlySet<string>,
  make: (to: SessionHandle) => Element | undefined,
) {
  for (const s of availableSessions(deps.ctx, bare)) {
    if (s.jid === undefined || !jidCandidates(s.jid).some((c) => entries.has(c))) continue;
    const stanza = make(s);
    if (stanza !== undefined) s.send(stanza);
  }
}

/** Sends what `make` builds from each of `account`'s available resources to matching contacts. */
async function fromEachResource(
  deps: ChatDeps,
  account: string,
  entries: readonly string[],
  make: (from: SessionHandle, to: SessionHandle) => Element | undefined,
): Promise<void> {
  if (entries.length === 0) return;
  const mine = availableSessions(deps.ctx, account);
  if (mine.length === 0) return;
  const set = new Set(entries);
  const { items } = await deps.storage.store.roster(account);
  const subscribers = items.filter(hasFrom).map((i) => i.jid);
  for (const from of mine) {
    // Directed presence is known where the session is (RFC 6121 §4.6); roster subscribers everywhere.
    const sent = from.local === undefined ? [] : [...presenceOf(from.local).directed];
    const directed = sent.map((j) => j.split("/")[0] ?? j);
    for (const bare of new Set([...subscribers, ...directed]))
      if (bare !== account) deliverMatching(deps, bare, set, (to) => make(from, to));
  }
}

export function unavailableToBlocked(deps: ChatDeps, account: string, blocked: readonly string[]) {
  return fromEachResource(deps, account, blocked, (from, to) =>
    el("presence", { type: "unavailable", from: from.jid?.toString(), to: to.jid?.toString() }),
  );
}

export function presenceToUnblocked(deps: ChatDeps, account: string, unblocked: readonly string[]) {
  return fromEachResource(deps, account, unblocked, (from, to) => {
    const last = from.state.last;
    return last === undefined ? undefined : withAttrs(last, { to: to.jid?.toString() });
  });
}
