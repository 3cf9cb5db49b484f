// XEP-0198 §5/§6 (and RFC 6121 §8.5.3.2 for a resource that is gone): what a session that ends for
// good had not had acknowledged is never silently dropped. Prosody's choices (mod_smacks):
// - chat/normal messages go to offline storage when the account has no other available resource,
//   otherwise (or when storage refuses) the sender gets recipient-unavailable;
// - other messages (headline, groupchat) and IQ requests: recipient-unavailable to the sender;
// - presence, errors and IQ results get no reply (RFC 6120 §8.3.1, RFC 6121 §8.5.3.2.3); carbon
//   copies (from the account itself) are copies of what another resource handled.
import type { Element } from "../../xml/element.ts";
import type { Session } from "../../stream/session.ts";
import type { ServerContext } from "../../server-context.ts";
import { errorReply, mayReplyWithError } from "../../stanza/errors.ts";
import { availableSessions } from "../presence/state.ts";
import type { OfflineMessages } from "../message/offline.ts";

export interface UnackedCounts {
  offline: number;
  bounced: number;
  ignored: number;
}

export async function settleUnacked(
  ctx: ServerContext,
  offline: OfflineMessages,
  session: Session,
  stanzas: readonly Element[],
): Promise<UnackedCounts> {
  const counts: UnackedCounts = { offline: 0, bounced: 0, ignored: 0 };
  const jid = session.jid;
  if (jid === undefined || stanzas.length === 0) return counts;
  const account = jid.bare().toString();
  const max = session.host?.options.max_offline_messages ?? 0;
  const bounce = async (stanza: Element) => {
    counts.bounced++;
    await ctx.route(session, errorReply(stanza, "recipient-unavailable", { from: jid.toString() }));
  };
  for (const stanza of stanzas) {
    const type = stanza.attrs.type ?? "normal";
    if (!mayReplyWithError(stanza) || stanza.name === "presence" || stanza.attrs.from === account) {
      counts.ignored++;
      continue;
    }
    if (stanza.name === "iq") {
      await bounce(stanza);
      continue;
    }
    const chatLike = type !== "headline" && type !== "groupchat";
    if (chatLike && availableSessions(ctx, account).every((s) => s.state.priority < 0)) {
      if ((await offline.store(account, stanza, max)) === "stored") {
        counts.offline++;
        continue;
      }
    }
    await bounce(stanza);
  }
  session.logger.info({ ...counts }, "stream management: unacknowledged stanzas settled");
  return counts;
}
