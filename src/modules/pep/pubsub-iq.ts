// The XEP-0060 IQs a PEP service answers at an account's bare JID (XEP-0163 §3, §5): publish with
// publish-options (§7.1, §7.1.5), retract (§7.2), create (§8.1), items (§6.5) for anyone the access
// model lets in, and the owner's configure (§8.2), delete (§8.4) and purge (§8.5). Explicit
// subscriptions (§6.1) are not offered: PEP subscribes through presence and caps (XEP-0163 §4.2).
import { el, type Element } from "../../xml/element.ts";
import { NS_PUBSUB, NS_PUBSUB_OWNER } from "../../ns.ts";
import type { IqContext, IqRegistry } from "../../router/iq-registry.ts";
import { iqResult } from "../../stanza/errors.ts";
import { accountOf } from "../account-data/stored-xml.ts";
import { configForm, DEFAULT_CONFIG, formFields } from "./node-config.ts";
import type { PepService } from "./pep-service.ts";
import { fail, isFailure, pubsubErrorReply, type PepFailure } from "./pubsub-error.ts";

const unsupported = (feature: string): PepFailure => ({
  condition: "feature-not-implemented",
  pubsub: "unsupported",
  feature,
});

/** The one action element of a <pubsub/> (publish-options and configure may accompany it). */
function action(payload: Element, companions: readonly string[]): Element | undefined {
  const actions = payload.elements.filter((e) => !companions.includes(e.name));
  return actions.length === 1 ? actions[0] : undefined;
}

export function registerPubsubIq(iq: IqRegistry, pep: PepService): void {
  const reply = (c: IqContext, r: PepFailure | Element | undefined) =>
    isFailure(r) ? pubsubErrorReply(c.iq, r) : iqResult(c.iq, ...(r === undefined ? [] : [r]));

  iq.on("set", NS_PUBSUB, "pubsub", async (c) => {
    const { account, own } = accountOf(c);
    const a = action(c.payload, ["publish-options", "configure"]);
    if (a === undefined) return reply(c, fail("bad-request", undefined, "One pubsub action expected"));
    if (a.name === "subscribe" || a.name === "unsubscribe") return reply(c, unsupported("subscribe"));
    if (!own) return reply(c, fail("forbidden", undefined, "Only the account's owner writes its PEP nodes"));
    const node = a.attrs.node ?? "";
    if (a.name === "publish") {
      const items = a.getChildren("item");
      const item = items[0];
      if (items.length !== 1 || item === undefined || a.elements.length !== 1)
        return reply(c, fail("bad-request", "item-required", "Publish exactly one item"));
      const options = formFields(c.payload.getChild("publish-options"));
      const r = await pep.publish(account, node, item, options);
      if (isFailure(r)) return reply(c, r);
      return reply(c, el("pubsub", { xmlns: NS_PUBSUB }, el("publish", { node }, el("item", { id: r }))));
    }
    if (a.name === "retract") {
      const id = a.getChild("item")?.attrs.id;
      if (id === undefined || a.elements.length !== 1)
        return reply(c, fail("bad-request", "item-required", "Retract exactly one item by id"));
      const notify = a.attrs.notify === "true" || a.attrs.notify === "1";
      const r = await pep.retract(account, node, id, notify);
      return reply(c, isFailure(r) ? r : undefined);
    }
    if (a.name === "create") {
      const r = await pep.create(account, node, formFields(c.payload.getChild("configure")));
      return reply(c, isFailure(r) ? r : undefined);
    }
    return reply(c, unsupported(a.name));
  });

  iq.on("get", NS_PUBSUB, "pubsub", async (c) => {
    const { account } = accountOf(c);
    const requester = c.session.jid?.bare().toString() ?? "";
    const a = action(c.payload, []);
    if (a?.name !== "items")
      return reply(
        c,
        unsupported(a?.name === "subscriptions" ? "retrieve-subscriptions" : (a?.name ?? "retrieve-items")),
      );
    const node = a.attrs.node ?? "";
    const ids = a.getChildren("item").flatMap((i) => (i.attrs.id === undefined ? [] : [i.attrs.id]));
    const maxText = a.attrs.max_items;
    const max = maxText !== undefined && /^\d{1,9}$/.test(maxText) ? Number(maxText) : undefined;
    const r = await pep.items(
      account,
      requester,
      node,
      ids.length > 0 ? { ids } : max === undefined ? {} : { max },
    );
    if (isFailure(r)) return reply(c, r);
    const items = r.map((i) => el("item", { id: i.id }, ...(i.payload === undefined ? [] : [i.payload])));
    return reply(c, el("pubsub", { xmlns: NS_PUBSUB }, el("items", { node }, ...items)));
  });

  iq.on("get", NS_PUBSUB_OWNER, "pubsub", async (c) => {
    const { account, own } = accountOf(c);
    if (!own) return reply(c, fail("forbidden"));
    const a = action(c.payload, []);
    if (a?.name === "default")
      return reply(
        c,
        el("pubsub", { xmlns: NS_PUBSUB_OWNER }, el("default", {}, configForm(DEFAULT_CONFIG))),
      );
    if (a?.name !== "configure") return reply(c, unsupported(a?.name ?? "config-node"));
    const node = a.attrs.node ?? "";
    const r = await pep.configuration(account, node);
    if (isFailure(r)) return reply(c, r);
    return reply(c, el("pubsub", { xmlns: NS_PUBSUB_OWNER }, el("configure", { node }, configForm(r))));
  });

  iq.on("set", NS_PUBSUB_OWNER, "pubsub", async (c) => {
    const { account, own } = accountOf(c);
    if (!own) return reply(c, fail("forbidden"));
    const a = action(c.payload, []);
    const node = a?.attrs.node ?? "";
    if (a?.name === "configure") {
      const fields = formFields(a);
      // §8.2.5: a cancelled form changes nothing.
      if (fields === undefined || a.getChild("x")?.attrs.type === "cancel") return reply(c, undefined);
      const r = await pep.configure(account, node, fields);
      return reply(c, isFailure(r) ? r : undefined);
    }
    if (a?.name === "delete" || a?.name === "purge") {
      const r = a.name === "delete" ? await pep.delete(account, node) : await pep.purge(account, node);
      return reply(c, isFailure(r) ? r : undefined);
    }
    return reply(c, unsupported(a?.name ?? "config-node"));
  });
}
