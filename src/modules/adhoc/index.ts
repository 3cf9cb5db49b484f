// XEP-0050 Ad-Hoc Commands on the server's JID: the commands node lists what the requester may run
// (§2.2; admins, Prosody's `admins`, see the XEP-0133 ones too), each command node describes itself
// (§2.3), and <command/> IQs execute them (./execute.ts).
import { el } from "../../xml/element.ts";
import { NS_COMMANDS, NS_DATA } from "../../ns.ts";
import type { ServerContext } from "../../server-context.ts";
import type { Session } from "../../stream/session.ts";
import type { AdhocCommand } from "./command.ts";
import { CommandSessions } from "./command-sessions.ts";
import { executeCommand, mayRun, type ExecuteDeps } from "./execute.ts";
import { pingCommand } from "./commands/ping.ts";
import { announceCommand } from "./commands/announce.ts";
import { onlineUsersListCommand, onlineUsersNumCommand } from "./commands/online-users.ts";

export const COMMANDS: readonly AdhocCommand[] = [
  pingCommand,
  announceCommand,
  onlineUsersNumCommand,
  onlineUsersListCommand,
];

export function registerAdhoc(ctx: ServerContext): CommandSessions {
  const sessions = new CommandSessions();
  const deps: ExecuteDeps = {
    commands: new Map(COMMANDS.map((c) => [c.node, c])),
    sessions,
    // Read at each use: a reload's `admins` applies at once.
    isAdmin: (bare) => ctx.global.admins.includes(bare),
  };
  const visible = (session: Session, c: AdhocCommand) =>
    session.jid !== undefined && mayRun(deps, c, session.jid.bare().toString());

  ctx.disco.addServerFeature(NS_COMMANDS);
  ctx.disco.addNode(NS_COMMANDS, {
    info: () => ({ identities: [{ category: "automation", type: "command-list" }], features: [NS_COMMANDS] }),
    items: (session, host) =>
      COMMANDS.filter((c) => visible(session, c)).map((c) =>
        el("item", { jid: host, node: c.node, name: c.name }),
      ),
  });
  for (const command of COMMANDS)
    ctx.disco.addNode(command.node, {
      info: (session) =>
        visible(session, command)
          ? {
              identities: [{ category: "automation", type: "command-node", name: command.name }],
              features: [NS_COMMANDS, NS_DATA],
            }
          : undefined,
    });
  ctx.iq.on("set", NS_COMMANDS, "command", (c) => executeCommand(deps, c));
  ctx.hooks.unbound.add((session: Session) => {
    if (session.jid !== undefined) sessions.forget(session.jid.toString());
  });
  return sessions;
}
