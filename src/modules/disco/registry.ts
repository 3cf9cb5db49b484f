// XEP-0030 §3: what the server and its accounts advertise, registered by the modules that implement
// it, so disco#info says exactly what is there (a module that is not wired in advertises nothing).
import type { Element } from "../../xml/element.ts";
import type { Session } from "../../stream/session.ts";

/** XEP-0030 §3.1: an identity (category/type, optional name). */
export interface DiscoIdentity {
  readonly category: string;
  readonly type: string;
  readonly name?: string;
}

/** The disco#info of one node (XEP-0030 §3.2). */
export interface NodeInfo {
  readonly identities: readonly DiscoIdentity[];
  readonly features: readonly string[];
}

/**
 * A node of the server's JID (XEP-0030 §3.2, §4.2). Either answer may depend on the requester; one
 * it may not see is undefined (→ item-not-found, so a node's existence is not disclosed).
 */
export interface DiscoNode {
  info?(session: Session, host: string): NodeInfo | undefined;
  items?(session: Session, host: string): readonly Element[] | undefined;
}

export class DiscoRegistry {
  private readonly serverFeatures = new Set<string>();
  private readonly hostFeatures: { feature: string; applies(host: string): boolean }[] = [];
  private readonly accountFeatures = new Set<string>();
  private readonly nodes = new Map<string, DiscoNode>();
  private readonly itemSources: (() => readonly Element[])[] = [];

  /** A feature of the server's JID (the domain), e.g. "urn:xmpp:ping". */
  addServerFeature(...features: string[]): void {
    for (const f of features) this.serverFeatures.add(f);
  }

  /** A feature of the server's JID on the hosts where `applies` says so (one configured per host). */
  addHostFeature(feature: string, applies: (host: string) => boolean): void {
    this.hostFeatures.push({ feature, applies });
  }

  /** A feature an account's bare JID offers, answered by the server on its behalf (RFC 6121 §8.5). */
  addAccountFeature(...features: string[]): void {
    for (const f of features) this.accountFeatures.add(f);
  }

  /** A node on the server's JID; one registration per node. */
  addNode(node: string, answer: DiscoNode): void {
    if (this.nodes.has(node)) throw new Error(`a disco node ${node} is already registered`);
    this.nodes.set(node, answer);
  }

  /** Items of the server's JID without a node (XEP-0030 §4.1), e.g. its components. */
  addServerItems(source: () => readonly Element[]): void {
    this.itemSources.push(source);
  }

  serverItems(): Element[] {
    return this.itemSources.flatMap((source) => source());
  }

  /** The server's features; with `host`, those only some hosts offer are added where they apply. */
  server(host?: string): string[] {
    const extra = host === undefined ? [] : this.hostFeatures.filter((f) => f.applies(host));
    return [...new Set([...this.serverFeatures, ...extra.map((f) => f.feature)])].sort();
  }

  account(): string[] {
    return [...this.accountFeatures].sort();
  }

  node(node: string): DiscoNode | undefined {
    return this.nodes.get(node);
  }
}
