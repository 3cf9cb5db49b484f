// What an ad-hoc command (XEP-0050) is to this server: a node with a name, either completed at once
// or a form to fill in then an outcome (two stages: the only action offered is "complete").
import type { Element } from "../../xml/element.ts";
import type { ServerContext } from "../../server-context.ts";
import type { Session } from "../../stream/session.ts";

/** XEP-0050 §3.4: a note to the requester. */
export interface Note {
  readonly type: "info" | "warn" | "error";
  readonly text: string;
}

/** What a stage answers: done (with notes and maybe a result form), or a form to submit. */
export type Step =
  | { readonly status: "completed"; readonly notes?: readonly Note[]; readonly form?: Element }
  | { readonly status: "executing"; readonly form: Element; readonly notes?: readonly Note[] }
  /** XEP-0050 §4.6 bad-payload: the submission is refused; the form may be sent again. */
  | { readonly status: "bad-payload"; readonly text: string };

export interface CommandContext {
  readonly ctx: ServerContext;
  readonly session: Session;
  /** The host the command was sent to (the server JID). */
  readonly host: string;
}

export interface AdhocCommand {
  readonly node: string;
  /** Shown in disco#items (XEP-0050 §2.2). */
  readonly name: string;
  /** Only accounts listed in `admins` may see and run it (XEP-0133 §5). */
  readonly adminOnly: boolean;
  start(c: CommandContext): Step | Promise<Step>;
  /** The form of the executing stage, submitted with "complete" (or "execute", its default). */
  submit?(c: CommandContext, form: Element | undefined): Step | Promise<Step>;
}
