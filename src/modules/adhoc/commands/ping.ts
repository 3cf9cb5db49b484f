// Prosody's mod_adhoc "Ping" command: completes at once with the note "Pong" (any account may run it).
import type { AdhocCommand } from "../command.ts";

export const pingCommand: AdhocCommand = {
  node: "ping",
  name: "Ping",
  adminOnly: false,
  start: () => ({ status: "completed", notes: [{ type: "info", text: "Pong" }] }),
};
