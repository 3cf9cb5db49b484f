// The configured components of a server, built from config.components: found by domain for the
// router, listed in each host's disco#items, started and stopped with the server.
import type { Element } from "../xml/element.ts";
import { el } from "../xml/element.ts";
import type { Logger } from "../log.ts";
import type { Jid } from "../jid.ts";
import type { ServerContext } from "../server-context.ts";
import type { StoreHandle } from "../storage/handle.ts";
import type { Component, ComponentConfig, ComponentHttp } from "./component.ts";
import { createComponentDelivery } from "./delivery.ts";
import { clusteredComponent, type ComponentLink } from "./clustered.ts";

export interface Components {
  /** The component serving a prepared domain. */
  get(domain: string): Component | undefined;
  /** Tells every component that a session broadcast unavailable presence. */
  unavailable(from: Jid): void;
  /** XEP-0030 §4 items for a host's disco#items. */
  discoItems(): Element[];
  /** HTTP endpoints to mount on the HTTP listeners. */
  readonly http: readonly ComponentHttp[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createComponents(deps: {
  readonly ctx: ServerContext;
  readonly storage: StoreHandle;
  readonly logger: Logger;
  readonly configs: ReadonlyMap<string, ComponentConfig>;
  /** With [cluster]: "owner-per-jid" components are routed to the node owning each JID. */
  readonly link?: ComponentLink;
}): Components {
  const { ctx, storage, logger } = deps;
  const byDomain = new Map<string, Component>();
  for (const [domain, config] of deps.configs) {
    const send = createComponentDelivery(ctx, storage, domain);
    const child = logger.child({ component: domain });
    let released: (jid: string) => void = () => {};
    const component = config.create({
      domain,
      ctx,
      storage,
      logger: child,
      send,
      released: (jid) => released(jid),
    });
    const { link } = deps;
    if (link === undefined || component.clustered !== "owner-per-jid") {
      byDomain.set(domain, component);
      continue;
    }
    const wrapped = clusteredComponent(component, { domain, link, ctx, send, logger: child });
    released = (jid) => wrapped.released(jid);
    byDomain.set(domain, wrapped);
  }
  const http = [...byDomain.values()].flatMap((c) => (c.http === undefined ? [] : [c.http]));
  for (const h of http)
    if (!h.prefix.startsWith("/") || !h.prefix.endsWith("/") || h.prefix.length < 3)
      throw new Error(`a component's HTTP prefix must be like "/name/", not ${JSON.stringify(h.prefix)}`);
  const started: Component[] = [];
  return {
    get: (domain) => byDomain.get(domain),
    unavailable(from) {
      for (const c of byDomain.values()) {
        try {
          c.unavailable?.(from);
        } catch (err) {
          logger.error({ err }, "a component failed on an unavailable presence");
        }
      }
    },
    discoItems: () =>
      [...byDomain].map(([domain, c]) => el("item", { jid: domain, ...(c.name ? { name: c.name } : {}) })),
    http,
    async start() {
      for (const c of byDomain.values()) {
        await c.start?.();
        started.push(c);
      }
    },
    async stop() {
      for (const c of started.splice(0).reverse()) {
        try {
          await c.stop?.();
        } catch (err) {
          logger.error({ err }, "a component failed to stop");
        }
      }
    },
  };
}
