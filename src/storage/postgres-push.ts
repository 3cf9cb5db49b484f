// PushStore in the PostgreSQL chat store: an enable is one transaction (upsert, then trim), so two
// nodes enabling at once for one account end with at most `max` registrations.
import type postgres from "postgres";
import { guard } from "../db/postgres.ts";
import type { PushRegistration, PushStore } from "./push.ts";

export function postgresPush(sql: postgres.Sql): PushStore {
  return {
    pushRegistrations: (account) =>
      guard("push read", async () => {
        const rows = await sql<PushRegistration[]>`
          SELECT jid, node, options FROM push_registrations WHERE account = ${account} ORDER BY seq`;
        return rows.map((r) => ({ jid: r.jid, node: r.node, options: r.options }));
      }),
    addPushRegistration: (account, r, max) =>
      guard("push write", () =>
        sql.begin(async (tx) => {
          await tx`
            DELETE FROM push_registrations
            WHERE account = ${account} AND jid = ${r.jid} AND node = ${r.node}`;
          await tx`
            INSERT INTO push_registrations (account, jid, node, options)
            VALUES (${account}, ${r.jid}, ${r.node}, ${r.options})`;
          await tx`
            DELETE FROM push_registrations WHERE account = ${account} AND seq NOT IN
              (SELECT seq FROM push_registrations WHERE account = ${account} ORDER BY seq DESC LIMIT ${max})`;
        }),
      ),
    removePushRegistrations: (account, jid, node) =>
      guard("push write", async () => {
        const r =
          node === undefined
            ? await sql`DELETE FROM push_registrations WHERE account = ${account} AND jid = ${jid}`
            : await sql`
                DELETE FROM push_registrations
                WHERE account = ${account} AND jid = ${jid} AND node = ${node}`;
        return r.count;
      }),
  };
}
