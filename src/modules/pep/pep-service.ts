// The PEP service (XEP-0163 on the XEP-0060 subset this server implements): one set of nodes per
// account, in the shared chat store. Auto-create on publish (XEP-0163 §3), publish-options as
// preconditions (XEP-0060 §7.1.5), retract (§7.2), items (§6.5), owner create/configure/delete/purge
// (§8.1, §8.2, §8.4, §8.5), with notifications (./notify.ts); the last items are ./last-item.ts's.
// Failures are values.
import { randomBytes } from "node:crypto";
import { el, serialize, type Element } from "../../xml/element.ts";
import type { ChatDeps } from "../chat-deps.ts";
import { Hook } from "../../router/hooks.ts";
import { readStored } from "../account-data/stored-xml.ts";
import { denial } from "./access.ts";
import {
  applyFields,
  DEFAULT_CONFIG,
  itemLimit,
  parseConfig,
  unmetPrecondition,
  type NodeConfig,
} from "./node-config.ts";
import type { Notifier } from "./notify.ts";
import { fail, type PepFailure } from "./pubsub-error.ts";

export interface PepLimits {
  readonly maxItems: number;
  readonly maxNodes: number;
  readonly maxItemSize: number;
}

/** An item as returned to a reader: its id and payload (undefined for none). */
export interface ReadItem {
  readonly id: string;
  readonly payload: Element | undefined;
}

type Fields = ReadonlyMap<string, string>;

const MAX_NODE_NAME = 1024;
const MAX_ITEM_ID = 1024;

export interface PepService {
  limits(owner: string): PepLimits;
  /** `item` is the <item/> (its id may be absent: one is made). `quiet` skips the published hook. */
  publish(
    owner: string,
    node: string,
    item: Element,
    options?: Fields,
    quiet?: boolean,
  ): Promise<string | PepFailure>;
  retract(
    owner: string,
    node: string,
    id: string,
    notify: boolean,
    quiet?: boolean,
  ): Promise<true | PepFailure>;
  items(
    owner: string,
    requester: string,
    node: string,
    opts: { ids?: readonly string[]; max?: number },
  ): Promise<ReadItem[] | PepFailure>;
  create(owner: string, node: string, fields?: Fields): Promise<true | PepFailure>;
  configuration(owner: string, node: string): Promise<NodeConfig | PepFailure>;
  configure(owner: string, node: string, fields: Fields): Promise<true | PepFailure>;
  delete(owner: string, node: string): Promise<true | PepFailure>;
  purge(owner: string, node: string): Promise<true | PepFailure>;
  /** The nodes `requester` may read, with their configurations. */
  visibleNodes(owner: string, requester: string): Promise<{ node: string; config: NodeConfig }[]>;
  /** An item was published (not quietly): bookmarks and avatars keep their other forms in sync. */
  readonly published: Hook<[string, string, string, Element]>;
  readonly retracted: Hook<[string, string, string]>;
}

export function createPepService(deps: ChatDeps, notify: Notifier): PepService {
  const { ctx, storage } = deps;
  const published = new Hook<[string, string, string, Element]>();
  const retracted = new Hook<[string, string, string]>();
  const report = (err: unknown) => ctx.logger.error({ err }, "PEP hook failed");

  const limits = (owner: string): PepLimits => {
    const o = ctx.hosts.get(owner.slice(owner.indexOf("@") + 1))?.options;
    return {
      maxItems: o?.pep_max_items ?? 256,
      maxNodes: o?.pep_max_nodes ?? 64,
      maxItemSize: o?.pep_max_item_size ?? 131072,
    };
  };

  const badNode = (node: string) =>
    node === "" || node.length > MAX_NODE_NAME
      ? fail("bad-request", "nodeid-required", "A node name is required (at most 1024 characters)")
      : undefined;

  const load = async (owner: string, node: string) => {
    const row = await storage.store.pepNode(owner, node);
    return row === undefined ? undefined : parseConfig(row.config);
  };

  const createWith = async (owner: string, node: string, config: NodeConfig): Promise<true | PepFailure> => {
    const r = await storage.store.pepCreate(owner, node, JSON.stringify(config), limits(owner).maxNodes);
    if (r === "exists") return fail("conflict", undefined, "The node exists");
    if (r === "full") return fail("resource-constraint", undefined, "Too many PEP nodes (pep_max_nodes)");
    return true;
  };

  const fromFields = (owner: string, fields: Fields | undefined, base = DEFAULT_CONFIG) => {
    if (fields === undefined) return base;
    const applied = applyFields(base, fields, limits(owner).maxItems);
    return applied.ok
      ? applied.config
      : fail("not-acceptable", undefined, `Unsupported value of ${applied.field}`);
  };

  const service: PepService = {
    limits,
    published,
    retracted,
    async publish(owner, node, item, options, quiet = false) {
      const bad = badNode(node);
      if (bad !== undefined) return bad;
      const payloads = item.elements;
      const payload = payloads[0];
      if (payload === undefined) return fail("bad-request", "payload-required", "The item needs a payload");
      if (payloads.length > 1 || payload.xmlns === undefined)
        return fail("bad-request", "invalid-payload", "One namespaced payload element per item");
      const lim = limits(owner);
      const xml = serialize(payload);
      if (Buffer.byteLength(xml, "utf8") > lim.maxItemSize)
        return fail(
          "not-acceptable",
          "payload-too-big",
          `Larger than pep_max_item_size (${lim.maxItemSize} bytes)`,
        );
      const id = item.attrs.id ?? randomBytes(8).toString("hex");
      if (id.length > MAX_ITEM_ID) return fail("bad-request", undefined, "Item id too long");
      let config = await load(owner, node);
      if (config === undefined) {
        // XEP-0163 §3 auto-create, configured by the publish-options (XEP-0060 §7.1.5).
        const initial = fromFields(owner, options);
        if ("condition" in initial) return fail("conflict", "precondition-not-met", initial.text);
        const created = await createWith(owner, node, initial);
        if (created !== true && created.condition !== "conflict") return created;
        config = (await load(owner, node)) ?? initial;
      }
      if (options !== undefined) {
        const unmet = unmetPrecondition(config, options, lim.maxItems);
        if (unmet !== undefined)
          return fail(
            "conflict",
            "precondition-not-met",
            `The node's ${unmet} differs from the publish-options`,
          );
      }
      if (config.persist_items)
        await storage.store.pepPublish(owner, node, { id, xml }, itemLimit(config, lim.maxItems));
      await notify(owner, node, config, el("items", { node }, el("item", { id }, payload)));
      if (!quiet) await published.runAll(report, owner, node, id, payload);
      return id;
    },
    async retract(owner, node, id, doNotify, quiet = false) {
      const config = await load(owner, node);
      if (config === undefined) return fail("item-not-found");
      if (!(await storage.store.pepRetract(owner, node, id))) return fail("item-not-found");
      if (doNotify || config.notify_retract)
        await notify(owner, node, config, el("items", { node }, el("retract", { id })));
      if (!quiet) await retracted.runAll(report, owner, node, id);
      return true;
    },
    async items(owner, requester, node, opts) {
      const config = await load(owner, node);
      if (config === undefined) return fail("item-not-found");
      const why = await denial(storage.store, owner, requester, config);
      if (why === "closed-node") return fail("not-allowed", why);
      if (why !== undefined) return fail("not-authorized", why);
      const rows = await storage.store.pepItems(owner, node, opts);
      return rows.map((r) => ({
        id: r.id,
        payload: r.xml === "" ? undefined : readStored(r.xml, "PEP item"),
      }));
    },
    async create(owner, node, fields) {
      const bad = badNode(node);
      if (bad !== undefined) return bad;
      const config = fromFields(owner, fields);
      if ("condition" in config) return config;
      return createWith(owner, node, config);
    },
    async configuration(owner, node) {
      return (await load(owner, node)) ?? fail("item-not-found");
    },
    async configure(owner, node, fields) {
      const current = await load(owner, node);
      if (current === undefined) return fail("item-not-found");
      const config = fromFields(owner, fields, current);
      if ("condition" in config) return config;
      const ok = await storage.store.pepConfigure(
        owner,
        node,
        JSON.stringify(config),
        itemLimit(config, limits(owner).maxItems),
      );
      return ok ? true : fail("item-not-found");
    },
    async delete(owner, node) {
      const config = await load(owner, node);
      if (config === undefined || !(await storage.store.pepDelete(owner, node)))
        return fail("item-not-found");
      await notify(owner, node, config, el("delete", { node }));
      return true;
    },
    async purge(owner, node) {
      const config = await load(owner, node);
      if (config === undefined || !(await storage.store.pepPurge(owner, node))) return fail("item-not-found");
      await notify(owner, node, config, el("purge", { node }));
      return true;
    },
    async visibleNodes(owner, requester) {
      const nodes = (await storage.store.pepNodes(owner)).map((n) => ({
        node: n.node,
        config: parseConfig(n.config),
      }));
      const out = [];
      for (const n of nodes)
        if ((await denial(storage.store, owner, requester, n.config)) === undefined) out.push(n);
      return out;
    },
  };
  return service;
}
