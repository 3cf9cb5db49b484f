// Suite `mam`: XEP-0313 archive queries through the server over XMPP: a page of 50 from a large
// archive (the latest page, a page in the middle by after-id, the latest page with one contact),
// median and p99 latency from the query IQ to its result (all 50 <result/> messages before it). The
// archive is filled straight into the store in bulk: XHA_BENCH_MAM_ROWS rows (default 100,000 on
// SQLite, 1,000,000 on PostgreSQL; e.g. 2000 for a quick check). PostgreSQL at
// XHA_BENCH_POSTGRES_URL (default 127.0.0.1, database test), in a schema of its own, dropped after.
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import postgres from "postgres";
import { startApi } from "../targets/api.ts";
import { startOurs } from "../targets/ours.ts";
import type { Target } from "../targets/target.ts";
import { login, type Session } from "../load/xmpp-login.ts";
import { percentile } from "../lib/stats.ts";
import { openSqliteChatStore } from "../../src/storage/sqlite.ts";
import { openPostgresChatStore } from "../../src/storage/postgres.ts";
import { newArchiveId } from "../../src/storage/mam.ts";
import type { Suite, SuiteContext } from "./suite.ts";

const PG = process.env.XHA_BENCH_POSTGRES_URL ?? "postgres://127.0.0.1:5432/test";
const DOMAIN = "mam.test";
const ACCOUNT = `u1@${DOMAIN}`;
const CONTACTS = 10;
const BATCH = 10_000;

interface Row {
  account: string;
  id: string;
  at: number;
  with_bare: string;
  with_full: string;
  stanza: string;
}

/** `count` messages of ACCOUNT, one a second up to now, with CONTACTS contacts in turn; the ids in order. */
function* rows(count: number): Generator<Row[]> {
  const start = Date.now() - count * 1000;
  for (let i = 0; i < count; i += BATCH) {
    const batch: Row[] = [];
    for (let j = i; j < Math.min(count, i + BATCH); j++) {
      const at = start + j * 1000;
      const peer = `c${j % CONTACTS}@${DOMAIN}`;
      const out = j % 2 === 0;
      batch.push({
        account: ACCOUNT,
        id: newArchiveId(at),
        at,
        with_bare: peer,
        with_full: `${peer}/r`,
        stanza:
          `<message xmlns="jabber:client" type="chat" id="${randomBytes(6).toString("hex")}" ` +
          `from="${out ? ACCOUNT + "/r" : peer + "/r"}" to="${out ? peer : ACCOUNT}">` +
          `<body>Message number ${j}: a line of ordinary length for a chat.</body></message>`,
      });
    }
    yield batch;
  }
}

function envRows(fallback: number): number {
  const v = Number(process.env.XHA_BENCH_MAM_ROWS ?? fallback);
  if (!Number.isInteger(v) || v < 100) throw new Error("XHA_BENCH_MAM_ROWS must be a whole number ≥ 100");
  return v;
}

async function fillSqlite(file: string, count: number): Promise<string[]> {
  await openSqliteChatStore(file).close(); // creates the tables
  const db = new Database(file);
  const insert = db.prepare(
    "INSERT INTO mam_archive (account, id, at, with_bare, with_full, stanza) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const ids: string[] = [];
  for (const batch of rows(count))
    db.transaction(() => {
      for (const r of batch) {
        insert.run(r.account, r.id, r.at, r.with_bare, r.with_full, r.stanza);
        ids.push(r.id);
      }
    })();
  db.exec("ANALYZE");
  db.close();
  return ids;
}

async function fillPostgres(schema: string, count: number, ctx: SuiteContext): Promise<string[]> {
  await (await openPostgresChatStore(PG, { schema })).close();
  const sql = postgres(PG, { max: 1, onnotice: () => {}, connection: { search_path: schema } });
  const ids: string[] = [];
  try {
    let done = 0;
    for (const batch of rows(count)) {
      await sql`INSERT INTO mam_archive ${sql(batch)}`;
      for (const r of batch) ids.push(r.id);
      done += batch.length;
      if (done % 100_000 === 0) ctx.progress.phase(`mam: ${done} rows in PostgreSQL`);
    }
    await sql`VACUUM ANALYZE mam_archive`;
  } finally {
    await sql.end({ timeout: 1 });
  }
  return ids;
}

let seq = 0;

/** Sends one query; the milliseconds until its IQ result and the <result/> messages before it. */
async function timeQuery(s: Session, query: string): Promise<{ ms: number; results: number }> {
  const id = `b${++seq}`;
  const t0 = performance.now();
  const done = s.waitFor(new RegExp(`<iq[^>]*\\bid=["']${id}["'][^>]*>`), 30_000);
  s.send(`<iq type="set" id="${id}">${query}</iq>`);
  const text = await done;
  const ms = performance.now() - t0;
  if (!/type=["']result["']/.test(text.slice(text.lastIndexOf("<iq"))))
    throw new Error(`archive query failed: ${text.slice(text.lastIndexOf("<iq")).slice(0, 300)}`);
  return { ms, results: text.split("<result ").length - 1 };
}

const FORM = (fields: string) =>
  `<x xmlns="jabber:x:data" type="submit"><field var="FORM_TYPE"><value>urn:xmpp:mam:2</value></field>${fields}</x>`;
const SET = (inner: string) => `<set xmlns="http://jabber.org/protocol/rsm"><max>50</max>${inner}</set>`;
const QUERY = (inner: string) => `<query xmlns="urn:xmpp:mam:2">${inner}</query>`;

async function measure(ctx: SuiteContext, target: Target, label: string, ids: readonly string[]) {
  const s = await login(
    { port: target.port, domain: DOMAIN, starttls: false, stepTimeoutMs: 10_000 },
    "u1",
    "secret",
    "bench",
  );
  const middle = ids[Math.floor(ids.length / 2)] ?? "";
  const cases: [string, () => string][] = [
    ["latest page of 50", () => QUERY(SET("<before/>"))],
    [
      "page of 50 in the middle (after-id)",
      () => QUERY(FORM(`<field var="after-id"><value>${middle}</value></field>`) + SET("")),
    ],
    [
      "latest 50 with one contact",
      () => QUERY(FORM(`<field var="with"><value>c3@${DOMAIN}</value></field>`) + SET("<before/>")),
    ],
  ];
  try {
    // Warm-up, and a check that each case really reads a full page.
    for (const [name, q] of cases)
      for (let i = 0; i < 5; i++) {
        const { results } = await timeQuery(s, q());
        if (results !== 50) throw new Error(`${name}: ${results} results instead of 50`);
      }
    for (let r = 0; r < ctx.rounds; r++) {
      ctx.progress.phase(`mam ${label} round ${r + 1}/${ctx.rounds}`);
      for (const [name, q] of cases) {
        const ms: number[] = [];
        const until = performance.now() + ctx.durationMs / cases.length;
        while (performance.now() < until || ms.length < 20) ms.push((await timeQuery(s, q())).ms);
        ms.sort((a, b) => a - b);
        ctx.results.add("mam", name, label, "median latency", "ms", percentile(ms, 50));
        ctx.results.add("mam", name, label, "p99 latency", "ms", percentile(ms, 99));
      }
    }
  } finally {
    await s.close();
  }
}

export const mamSuite: Suite = {
  name: "mam",
  summary: "XEP-0313: a page of 50 from 100,000 (SQLite) / 1,000,000 (PostgreSQL) archived messages",
  async run(ctx) {
    const api = await startApi("api-mam");
    const targets: Target[] = [];
    const host = { domain: DOMAIN, apiUrl: api.url, extra: { archive_expires_after: "never" } };
    try {
      const sqliteRows = envRows(100_000);
      const dataDir = join(ctx.runDir, "sqlite");
      ctx.progress.phase(`mam: filling SQLite with ${sqliteRows} messages`);
      const sqliteIds = await fillSqlite(join(dataDir, "data", "xmpp.sqlite"), sqliteRows);
      const sqlite = await startOurs({
        repoRoot: ctx.repoRoot,
        runDir: dataDir,
        hosts: [host],
        starttls: false,
        extraToml: ["http_ports = []", "https_ports = []"],
        label: `SQLite ${sqliteRows}`,
      });
      targets.push(sqlite);
      await measure(ctx, sqlite, sqlite.label, sqliteIds);
      await sqlite.stop();
      targets.pop();

      const pgRows = envRows(1_000_000);
      const schema = `xha_bench_mam_${process.pid}`;
      const probe = postgres(PG, { max: 1, connect_timeout: 3, onnotice: () => {} });
      const reachable = await probe`SELECT 1`.then(
        () => true,
        () => false,
      );
      await probe.end({ timeout: 1 });
      if (!reachable) {
        ctx.outcome.notes.push(`PostgreSQL at ${PG} unreachable: its half was skipped`);
        return;
      }
      try {
        ctx.progress.phase(`mam: filling PostgreSQL with ${pgRows} messages`);
        const pgIds = await fillPostgres(schema, pgRows, ctx);
        const pg = await startOurs({
          repoRoot: ctx.repoRoot,
          runDir: join(ctx.runDir, "postgres"),
          hosts: [host],
          starttls: false,
          extraToml: [
            "http_ports = []",
            "https_ports = []",
            'storage = "sql"',
            `sql = ${JSON.stringify(`${PG}?schema=${schema}`)}`,
          ],
          label: `PostgreSQL ${pgRows}`,
        });
        targets.push(pg);
        await measure(ctx, pg, pg.label, pgIds);
      } finally {
        await Promise.allSettled(targets.splice(0).map((t) => t.stop()));
        const sql = postgres(PG, { max: 1, onnotice: () => {} });
        await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`.catch(() => {});
        await sql.end({ timeout: 1 });
      }
    } finally {
      await Promise.allSettled(targets.map((t) => t.stop()));
      await api.stop();
    }
  },
};
