// XEP-0357 §7: notifications to app servers. This server has no server-to-server connections, so an
// app server is reachable only when its JID is a session on one of our hosts (a full JID, on any
// cluster node); any other is counted (xha_push_unroutable_total) and logged once per domain. The
// app server's error reply disables the registration, except a temporary one (type "wait"), as
// Prosody's mod_cloud_notify does; a registration awaiting its reply is not notified again.
import { randomBytes } from "node:crypto";
import type { Element } from "../../xml/element.ts";
import type { ServerContext } from "../../server-context.ts";
import type { StoreHandle } from "../../storage/handle.ts";
import type { PushRegistration } from "../../storage/push.ts";
import { tryParseJid } from "../../jid.ts";
import { parseStoredElement } from "../../xml/parse-stored.ts";
import { publishIq, summaryForm } from "./push-elements.ts";

/** How long a publish waits for its reply before another may be sent. */
const REPLY_TIMEOUT_MS = 60_000;
/** Remote domains remembered for "logged once". */
const MAX_LOGGED_DOMAINS = 1000;

interface Pending {
  readonly account: string;
  readonly registration: PushRegistration;
  readonly key: string;
  readonly timer: NodeJS.Timeout;
}

export class PushNotifier {
  private readonly pending = new Map<string, Pending>();
  private readonly inFlight = new Set<string>();
  private readonly loggedDomains = new Set<string>();
  sent = 0;
  unroutable = 0;
  disabled = 0;

  constructor(
    private readonly ctx: ServerContext,
    private readonly storage: StoreHandle,
  ) {}

  /** Notifies the account's registrations (only `only` when given) of a message. */
  async notify(account: string, message: Element, only?: { jid: string; node: string }): Promise<void> {
    const all = await this.storage.store.pushRegistrations(account);
    const chosen = only === undefined ? all : all.filter((r) => r.jid === only.jid && r.node === only.node);
    for (const r of chosen) this.publish(account, r, message);
  }

  private publish(account: string, registration: PushRegistration, message: Element): void {
    const key = `${account}\0${registration.jid}\0${registration.node}`;
    if (this.inFlight.has(key)) return;
    const target = tryParseJid(registration.jid);
    const domain = account.slice(account.indexOf("@") + 1);
    const host = this.ctx.hosts.get(domain);
    if (target === undefined || host === undefined) return;
    const handle =
      target.local !== undefined && target.resource !== undefined && this.ctx.hosts.has(target.domain)
        ? this.ctx.sessions.get(target.bare().toString(), target.resource)
        : undefined;
    if (handle === undefined) {
      this.unroutable++;
      if (!this.loggedDomains.has(target.domain) && this.loggedDomains.size < MAX_LOGGED_DOMAINS) {
        this.loggedDomains.add(target.domain);
        this.ctx.logger.warn(
          { app_server: target.domain },
          "push notification not sent: the app server is not a connected local JID (no server-to-server)",
        );
      }
      return;
    }
    const id = `push-${randomBytes(9).toString("base64url")}`;
    const opts = {
      withBody: host.options.push_notification_with_body,
      withSender: host.options.push_notification_with_sender,
    };
    const form = registration.options === "" ? undefined : parseStoredElement(registration.options);
    const iq = publishIq(account, registration.jid, id, registration.node, summaryForm(message, opts), form);
    const timer = setTimeout(() => this.settle(id), REPLY_TIMEOUT_MS);
    timer.unref();
    this.pending.set(id, { account, registration, key, timer });
    this.inFlight.add(key);
    this.sent++;
    handle.send(iq);
  }

  private settle(id: string): Pending | undefined {
    const p = this.pending.get(id);
    if (p === undefined) return undefined;
    clearTimeout(p.timer);
    this.pending.delete(id);
    this.inFlight.delete(p.key);
    return p;
  }

  /** An IQ reply to an account's bare JID: ours when its id and sender match a publish. */
  onReply(iq: Element): void {
    const id = iq.attrs.id;
    const p = id === undefined ? undefined : this.pending.get(id);
    if (p === undefined || id === undefined) return;
    const from = tryParseJid(iq.attrs.from ?? "");
    const to = tryParseJid(iq.attrs.to ?? "");
    const expected = tryParseJid(p.registration.jid);
    if (from === undefined || expected === undefined || !from.equals(expected)) return;
    if (to === undefined || to.toString() !== p.account) return;
    this.settle(id);
    if (iq.attrs.type !== "error") return;
    const type = iq.getChild("error")?.attrs.type;
    if (type === "wait") return;
    this.disabled++;
    this.ctx.logger.info(
      { account: p.account, app_server: p.registration.jid, error_type: type },
      "push registration disabled: the app server answered with an error",
    );
    this.storage.store
      .removePushRegistrations(p.account, p.registration.jid, p.registration.node)
      .catch((err: unknown) => this.ctx.logger.error({ err }, "disabling a push registration failed"));
  }

  metrics(): string {
    return (
      "# HELP xha_push_sent_total XEP-0357 notifications sent to local app servers.\n" +
      "# TYPE xha_push_sent_total counter\n" +
      `xha_push_sent_total ${this.sent}\n` +
      "# HELP xha_push_unroutable_total XEP-0357 notifications not sent: app server not reachable (no s2s).\n" +
      "# TYPE xha_push_unroutable_total counter\n" +
      `xha_push_unroutable_total ${this.unroutable}\n` +
      "# HELP xha_push_disabled_total Push registrations disabled by an app server's error.\n" +
      "# TYPE xha_push_disabled_total counter\n" +
      `xha_push_disabled_total ${this.disabled}\n`
    );
  }
}
