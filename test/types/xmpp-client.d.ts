// The part of @xmpp/client's API the tests use (the package ships no types).
declare module "@xmpp/client" {
  import type { EventEmitter } from "node:events";

  export interface XmlElement {
    name: string;
    attrs: Record<string, string>;
    children: (XmlElement | string)[];
    is(name: string, xmlns?: string): boolean;
    getChild(name: string, xmlns?: string): XmlElement | undefined;
    getChildren(name: string, xmlns?: string): XmlElement[];
    getChildText(name: string, xmlns?: string): string | null;
    getText(): string;
    toString(): string;
  }

  export function xml(
    name: string,
    attrs?: Record<string, string | undefined> | null,
    ...children: (XmlElement | string)[]
  ): XmlElement;

  export interface ClientOptions {
    service: string;
    domain?: string;
    resource?: string;
    username?: string;
    password?: string;
  }

  export interface IqCaller {
    get(payload: XmlElement, to?: string, timeout?: number): Promise<XmlElement | undefined>;
    set(payload: XmlElement, to?: string, timeout?: number): Promise<XmlElement | undefined>;
    request(iq: XmlElement, timeout?: number): Promise<XmlElement>;
  }

  export interface IqCallee {
    get(ns: string, name: string, handler: (ctx: { stanza: XmlElement }) => unknown): void;
    set(ns: string, name: string, handler: (ctx: { stanza: XmlElement }) => unknown): void;
  }

  export interface Client extends EventEmitter {
    jid: { toString(): string } | null;
    status: string;
    iqCaller: IqCaller;
    iqCallee: IqCallee;
    start(): Promise<unknown>;
    stop(): Promise<void>;
    send(...elements: XmlElement[]): Promise<void>;
    sendReceive(element: XmlElement, timeout?: number): Promise<XmlElement>;
    /** @xmpp/reconnect: reconnects after a disconnect until stopped. */
    reconnect: { stop(): void };
    /** @xmpp/stream-management (XEP-0198), enabled after binding when the server offers it. */
    streamManagement: EventEmitter & { enabled: boolean; id: string };
  }

  export function client(options: ClientOptions): Client;
}
