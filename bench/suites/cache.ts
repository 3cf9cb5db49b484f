// Suite `cache`: what the opt-in auth cache saves. (1) A reconnect-heavy load (each worker logs the
// same account in and out in a loop) against an API that takes 5 ms: logins/s and API calls per
// login, cache off and on. (2) 1,000 messages to 100 offline users: user_exists calls per 1,000
// messages, cache off and on. Each case runs on a fresh server, so every round starts cold.
import { startApi, type Api } from "../targets/api.ts";
import { startOurs } from "../targets/ours.ts";
import { runLoginLoad } from "../load/login-load.ts";
import { login } from "../load/xmpp-login.ts";
import type { Suite, SuiteContext } from "./suite.ts";

const DOMAIN = "cache.test";
const API_DELAY_MS = 5;
const WORKERS = 16;
const MESSAGES = 1000;
const OFFLINE_USERS = 100;
const MODES = [
  { name: "cache off", extra: {} },
  {
    name: "cache on",
    extra: { http_auth_cache_ttl: 300, http_auth_cache_user_exists_ttl: 300 },
  },
] as const;

async function withServer<T>(
  ctx: SuiteContext,
  api: Api,
  extra: Record<string, number>,
  fn: (port: number) => Promise<T>,
): Promise<T> {
  const target = await startOurs({
    repoRoot: ctx.repoRoot,
    runDir: ctx.runDir,
    hosts: [{ domain: DOMAIN, apiUrl: api.url, extra: { ...extra, max_offline_messages: 1000 } }],
    starttls: false,
  });
  try {
    return await fn(target.port);
  } finally {
    await target.stop();
  }
}

async function reconnects(ctx: SuiteContext, api: Api, port: number) {
  const before = (await api.stats()).requests;
  const r = await runLoginLoad({
    port,
    domain: DOMAIN,
    starttls: false,
    stepTimeoutMs: 10_000,
    concurrency: WORKERS,
    durationMs: ctx.durationMs,
    credentials: (w) => ({ user: `u${w}`, password: "secret" }),
  });
  const calls = (await api.stats()).requests - before;
  return {
    loginsPerS: r.loginsPerS,
    callsPerLogin: r.logins > 0 ? calls / r.logins : Number.NaN,
    errors: r.errors,
  };
}

async function offlineMessages(api: Api, port: number) {
  const s = await login(
    { port, domain: DOMAIN, starttls: false, stepTimeoutMs: 10_000 },
    "sender",
    "secret",
    "b",
  );
  try {
    const before = (await api.stats()).requests;
    const t0 = performance.now();
    let batch = "";
    for (let i = 0; i < MESSAGES; i++) {
      batch += `<message to='o${i % OFFLINE_USERS}@${DOMAIN}' type='chat'><body>m${i}</body></message>`;
    }
    // Stanzas of one session are processed in order (RFC 6120 §10.1): the ping's answer means done.
    s.send(batch + "<iq type='get' id='done'><ping xmlns='urn:xmpp:ping'/></iq>");
    await s.waitFor(/<iq[^>]*id=["']done["']/, 60_000);
    const seconds = (performance.now() - t0) / 1000;
    const calls = (await api.stats()).requests - before;
    return { perThousand: (calls * 1000) / MESSAGES, messagesPerS: MESSAGES / seconds };
  } finally {
    await s.close();
  }
}

export const cacheSuite: Suite = {
  name: "cache",
  summary:
    "auth cache off vs on: reconnect logins (API calls/login, logins/s), user_exists per 1,000 offline messages",
  async run(ctx) {
    const api = await startApi("api-cache", { delayMs: API_DELAY_MS });
    try {
      for (let r = 0; r < ctx.rounds; r++) {
        const got: Record<string, { loginsPerS: number; perThousand: number }> = {};
        for (const mode of MODES) {
          ctx.progress.phase(`cache ${mode.name} round ${r + 1}/${ctx.rounds}`);
          const { login: l, msgs } = await withServer(ctx, api, mode.extra, async (port) => ({
            login: await reconnects(ctx, api, port),
            msgs: await offlineMessages(api, port),
          }));
          const kase = `reconnects, ${WORKERS} workers, API ${API_DELAY_MS} ms`;
          ctx.results.add("cache", kase, mode.name, "logins/s", "logins/s", l.loginsPerS);
          ctx.results.add("cache", kase, mode.name, "API calls per login", "calls", l.callsPerLogin);
          const mk = `${MESSAGES} messages to ${OFFLINE_USERS} offline users`;
          ctx.results.add(
            "cache",
            mk,
            mode.name,
            "user_exists calls per 1,000 messages",
            "calls",
            msgs.perThousand,
          );
          ctx.results.add("cache", mk, mode.name, "messages/s", "msg/s", msgs.messagesPerS);
          if (l.errors > 0) ctx.outcome.notes.push(`${mode.name} round ${r + 1}: ${l.errors} failed logins`);
          got[mode.name] = { loginsPerS: l.loginsPerS, perThousand: msgs.perThousand };
        }
        const off = got["cache off"];
        const on = got["cache on"];
        if (off !== undefined && on !== undefined) {
          ctx.results.ratio(
            "cache",
            "reconnects",
            "logins/s cache on ÷ off",
            true,
            on.loginsPerS / off.loginsPerS,
          );
          ctx.results.ratio(
            "cache",
            "offline messages",
            "user_exists calls cache on ÷ off",
            false,
            on.perThousand / off.perThousand,
          );
        }
      }
    } finally {
      await api.stop();
    }
  },
};
