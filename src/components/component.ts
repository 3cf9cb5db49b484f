// The component seam: a service on its own domain (Prosody's `Component "conference.example.com"
// "muc"`), configured as [components."domain"] with `module = "<name>"`. The router hands it every
// stanza a local user addresses to its domain or a JID on it; it answers through its env's send().
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Element } from "../xml/element.ts";
import type { Jid } from "../jid.ts";
import type { Logger } from "../log.ts";
import type { ServerContext } from "../server-context.ts";
import type { StoreHandle } from "../storage/handle.ts";

/** What became of a stanza a component sent to a local user. */
export type DeliveryOutcome =
  /** Written to at least one session's stream (on this node or another). */
  | "delivered"
  /** A chat/normal message to an account with no available resource: kept offline (XEP-0160). */
  | "offline"
  /** Nobody to give it to (no such resource, not one of our hosts, a type that is not kept). */
  | "undeliverable";

/** Everything a component gets from the server; passed to its module's create(). */
export interface ComponentEnv {
  /** The component's prepared domain. */
  readonly domain: string;
  /** Hosts, sessions (the routing seam: SessionHandles, cluster-wide), hooks (accountRemoved, …). */
  readonly ctx: ServerContext;
  /** The chat store, open between start() and stop(). */
  readonly storage: StoreHandle;
  readonly logger: Logger;
  /**
   * Sends a stanza to a local user (bare or full JID on one of our hosts); `from` must be the
   * component's domain or a JID on it. Full JIDs go to that session (a chat/normal message falls back
   * to the bare JID, RFC 6121 §8.5.3.2.1); bare JIDs: messages to the available resources of
   * non-negative priority (else chat/normal kept offline), presence to every available resource.
   * A groupchat message is only ever delivered to a full JID; IQs only to full JIDs.
   */
  send(stanza: Element): DeliveryOutcome;
  /**
   * A component with `clustered: "owner-per-jid"` says it forgot a JID it held (a room that ended):
   * in a cluster, the node gives its ownership up (./clustered.ts). A no-op otherwise.
   */
  released(jid: string): void;
}

/** A component's HTTP endpoints, mounted on http_ports/https_ports under `prefix` ("/upload/"). */
export interface ComponentHttp {
  /** Starts and ends with "/"; requests whose path starts with it are handed to handle(). */
  readonly prefix: string;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

export interface Component {
  /** Shown in each host's disco#items (XEP-0030 §4), as Prosody lists its components. */
  readonly name: string;
  /**
   * A stanza from a local user's bound session, `from` stamped (full JID), `to` this domain or a JID
   * on it. Awaited by the router: the sender's next stanza waits, as for one-to-one chat.
   */
  receive(stanza: Element, from: Jid, to: Jid): Promise<void> | void;
  /**
   * A local session broadcast unavailable presence (RFC 6121 §4.5.2: it reaches every entity that got
   * its directed presence); e.g. a MUC service lets that session leave its rooms.
   */
  unavailable?(from: Jid): void;
  /**
   * "owner-per-jid": state kept per bare JID on the component domain lives in one node's memory; in
   * a cluster, stanzas to that JID are handled on the node owning it (./clustered.ts, docs/cluster.md).
   * Without it, every node handles what its own sessions send (state in the shared store only).
   */
  readonly clustered?: "owner-per-jid";
  /**
   * "owner-per-jid" in a cluster: this node just took a bare JID over (it was unowned, or its owner's
   * lease lapsed); load it afresh from the store, forgetting any copy held in memory. Awaited before
   * the stanza that caused it is received.
   */
  adopt?(jid: string): Promise<void>;
  /** In a cluster: a session on another node ended (or its node died), as unavailable() otherwise. */
  sessionEnded?(jid: Jid): void;
  /** Called by the server's start() once storage is open; a throw fails the start. */
  start?(): Promise<void>;
  /** Called by the server's stop() after the client streams are closed, before storage closes. */
  stop?(): Promise<void>;
  readonly http?: ComponentHttp;
}

/** A kind of component, chosen by `module = "<name>"`. */
export interface ComponentModule<O = unknown> {
  readonly name: string;
  /**
   * Validates the table's keys other than `module`; returns the frozen options. Unknown or bad keys
   * throw invalid(key, message) (the key without the table prefix; the error names the full key).
   */
  parseOptions(raw: Readonly<Record<string, unknown>>, invalid: (key: string, message: string) => Error): O;
  create(env: ComponentEnv, options: O): Component;
}

/** One [components."domain"] table, validated. */
export interface ComponentConfig {
  readonly domain: string;
  /** The module's name. */
  readonly module: string;
  /** As the module parsed them (frozen). */
  readonly options: unknown;
  /** Builds the component with those options. */
  create(env: ComponentEnv): Component;
}
