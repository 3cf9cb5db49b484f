// XEP-0133 §4.15 Get Number of Online Users and §4.20 Get List of Online Users: the accounts of the
// host with at least one bound session, on any cluster node (bare JIDs, each once).
import { NS_ADMIN } from "../../../ns.ts";
import type { ServerContext } from "../../../server-context.ts";
import type { AdhocCommand } from "../command.ts";
import { dataForm, fieldValues } from "../form.ts";

/** §4.20: the choices for max_items; "all" is capped too, so one answer stays a sane stanza. */
const MAX_ITEMS = ["25", "50", "75", "100", "150", "200", "all"];
export const ONLINE_USERS_CAP = 10_000;

function onlineAccounts(ctx: ServerContext, host: string): string[] {
  const seen = new Set<string>();
  for (const h of ctx.sessions.allSessions()) if (h.jid.domain === host) seen.add(h.jid.bare().toString());
  return [...seen].sort();
}

export const onlineUsersNumCommand: AdhocCommand = {
  node: `${NS_ADMIN}#get-online-users-num`,
  name: "Get Number of Online Users",
  adminOnly: true,
  start: ({ ctx, host }) => ({
    status: "completed",
    form: dataForm("result", "Number of Online Users", [
      { var: "FORM_TYPE", type: "hidden", values: [NS_ADMIN] },
      {
        var: "onlineusersnum",
        type: "text-single",
        label: "The number of online users",
        values: [String(onlineAccounts(ctx, host).length)],
      },
    ]),
  }),
};

export const onlineUsersListCommand: AdhocCommand = {
  node: `${NS_ADMIN}#get-online-users-list`,
  name: "Get List of Online Users",
  adminOnly: true,
  start: () => ({
    status: "executing",
    form: dataForm("form", "Requesting List of Online Users", [
      { var: "FORM_TYPE", type: "hidden", values: [NS_ADMIN] },
      {
        var: "max_items",
        type: "list-single",
        label: "Maximum number of items to show",
        values: ["25"],
        options: MAX_ITEMS,
      },
    ]),
  }),
  submit({ ctx, host }, form) {
    const choice = fieldValues(form, "max_items")[0] ?? "25";
    if (!MAX_ITEMS.includes(choice))
      return { status: "bad-payload", text: "max_items is not one of the choices" };
    const max = choice === "all" ? ONLINE_USERS_CAP : Number(choice);
    return {
      status: "completed",
      form: dataForm("result", "List of Online Users", [
        { var: "FORM_TYPE", type: "hidden", values: [NS_ADMIN] },
        {
          var: "onlineuserjids",
          type: "jid-multi",
          label: "The list of all online users",
          values: onlineAccounts(ctx, host).slice(0, max),
        },
      ]),
    };
  },
};
