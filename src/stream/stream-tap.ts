// What a stream-level extension (XEP-0198 stream management, src/modules/sm/) sees of a session:
// every stanza in and out, and the moment its connection drops. Installed on a session once enabled.
import type { Element } from "../xml/element.ts";
import type { Session } from "./session.ts";

export interface StreamTap {
  /** An element was written to the connection (`written`), or kept because the session hibernates. */
  outbound(session: Session, element: Element, written: boolean): void;
  /** A stanza from the client was handled (XEP-0198 §4: counted in h). */
  inbound(session: Session): void;
  /** The connection is gone or silent: true when the session should hibernate rather than end. */
  mayHibernate(session: Session): boolean;
  /** The session hibernates now. */
  hibernated(session: Session): void;
  /** The session ends for good (before it is unbound). */
  ended(session: Session): void;
}
