// XEP-0133 §4.23 Send Announcement to Online Users: a form with a subject and the announcement, then a
// headline message to every bound session of the host, on every cluster node (through handles).
import { el } from "../../../xml/element.ts";
import { NS_ADMIN, NS_CLIENT } from "../../../ns.ts";
import type { AdhocCommand } from "../command.ts";
import { dataForm, fieldValues } from "../form.ts";

export const announceCommand: AdhocCommand = {
  node: `${NS_ADMIN}#announce`,
  name: "Send Announcement to Online Users",
  adminOnly: true,
  start: () => ({
    status: "executing",
    form: dataForm("form", "Making an Announcement", [
      { var: "FORM_TYPE", type: "hidden", values: [NS_ADMIN] },
      { var: "subject", type: "text-single", label: "Subject" },
      { var: "announcement", type: "text-multi", label: "Announcement", required: true },
    ]),
  }),
  submit({ ctx, host }, form) {
    const body = fieldValues(form, "announcement").join("\n");
    if (body.trim() === "") return { status: "bad-payload", text: "The announcement is empty" };
    const subject = fieldValues(form, "subject").join(" ");
    let sent = 0;
    for (const h of ctx.sessions.allSessions()) {
      if (h.jid.domain !== host || !h.isOpen) continue;
      h.send(
        el(
          "message",
          { xmlns: NS_CLIENT, type: "headline", from: host, to: h.jid.toString() },
          ...(subject === "" ? [] : [el("subject", {}, subject)]),
          el("body", {}, body),
        ),
      );
      sent++;
    }
    return { status: "completed", notes: [{ type: "info", text: `Announcement sent to ${sent} sessions` }] };
  },
};
