// The inline features of SASL2 (XEP-0388 §2.1 <inline/>) and of Bind2 (XEP-0386 §2.1 the bind
// feature's <inline/>), as small registries: a provider advertises its element and handles its
// child of <authenticate/> or <bind/>. Bind2 and FAST are providers; XEP-0198's <resume/> (in
// <authenticate/>) and <enable/> (in <bind/>) plug in the same way.
import type { Element } from "../xml/element.ts";
import type { Session } from "./session.ts";
import type { SaslMechanism } from "./sasl-mechanism.ts";

/** The parsed <authenticate/> of XEP-0388 §2.3, kept on the session until its outcome. */
export interface Sasl2Request {
  readonly authenticate: Element;
  /** XEP-0388 §2.3 <user-agent id/>: a stable id of this client installation (a UUID), if sent. */
  readonly userAgentId: string | undefined;
  readonly software: string | undefined;
  readonly device: string | undefined;
  /** What an inline provider learned during the exchange (FAST: the token that was used). */
  readonly notes: Map<string, unknown>;
}

export interface InlineOutcome {
  /** Children for <success/> (SASL2) or <bound/> (Bind2). */
  readonly elements?: readonly Element[];
  /** SASL2 only: a resource is now bound (a resumed session): Bind2 is skipped (XEP-0386 §2.2 note). */
  readonly bound?: boolean;
  /**
   * SASL2 only: a resumed session (XEP-0198) took this connection over. Later providers and
   * <success/> use it, and no stream features follow (the stream is established already).
   */
  readonly resumed?: Session;
  /** SASL2 only: runs once <success/> is written (a resumption's replay of unacknowledged stanzas). */
  readonly afterSuccess?: () => void;
}

/** A SASL2 inline feature: <fast/>, <bind/>, XEP-0198's <sm/>. */
export interface Sasl2InlineFeature {
  /** Lower runs first after authentication; XEP-0386 §2.2 wants a resumption (0) before Bind2 (100). */
  readonly order: number;
  /** Its element in <authentication><inline/>, or undefined when not offered to this session. */
  advertise(session: Session): Element | undefined;
  /** Mechanisms of its own for this request (FAST's HT-* when <fast/> is in it), else undefined. */
  mechanisms?(session: Session, request: Sasl2Request): readonly SaslMechanism[] | undefined;
  /**
   * After a successful exchange, before <success/> is sent: acts on its child of <authenticate/>
   * (if any). `bound` says whether an earlier provider already bound a resource. Undefined: nothing.
   */
  onSuccess(session: Session, request: Sasl2Request, bound: boolean): Promise<InlineOutcome | undefined>;
}

/** A Bind2 inline feature: XEP-0280 carbons, XEP-0198's <enable/>, XEP-0352 CSI. */
export interface BindInlineFeature {
  /** Its disco feature var, listed in <bind><inline><feature var/></inline></bind>. */
  readonly var: string;
  offered(session: Session): boolean;
  /** Whether `child` of <bind/> is its request. */
  matches(child: Element): boolean;
  /** Acts on its request once the resource is bound; returns children for <bound/>. */
  enable(session: Session, child: Element): Promise<readonly Element[]>;
}

export class InlineRegistry {
  private readonly sasl2: Sasl2InlineFeature[] = [];
  private readonly bind: BindInlineFeature[] = [];

  addSasl2(feature: Sasl2InlineFeature): void {
    this.sasl2.push(feature);
    this.sasl2.sort((a, b) => a.order - b.order);
  }

  addBind(feature: BindInlineFeature): void {
    this.bind.push(feature);
  }

  get sasl2Features(): readonly Sasl2InlineFeature[] {
    return this.sasl2;
  }

  get bindFeatures(): readonly BindInlineFeature[] {
    return this.bind;
  }
}
