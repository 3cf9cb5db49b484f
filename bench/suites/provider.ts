// Suite `provider`: check_password calls/s through our HTTP auth provider against raw undici
// requests to the same fast API, at the same concurrency: the ratio is the provider's overhead.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Pool } from "undici";
import { startApi } from "../targets/api.ts";
import { SkipError } from "../targets/target.ts";
import type { Suite } from "./suite.ts";
import { rate } from "../lib/rate.ts";

const LEVELS = [1, 64];

interface ProviderLike {
  checkPassword(user: string, password: string): Promise<{ outcome: string }>;
  close(): Promise<void>;
}
type ProviderFactory = (options: Record<string, unknown>) => ProviderLike;

export const providerSuite: Suite = {
  name: "provider",
  summary: "check_password calls/s: our provider vs raw undici to the same API (c=1, 64)",
  async run(ctx) {
    const file = join(ctx.repoRoot, "src", "auth", "http", "provider.ts");
    if (!existsSync(file))
      throw new SkipError("the provider is not written yet (src/auth/http/provider.ts missing)");
    const mod = (await import(pathToFileURL(file).href)) as { createHttpProvider?: ProviderFactory };
    const log = (await import(pathToFileURL(join(ctx.repoRoot, "src", "log.ts")).href)) as {
      silentLogger: () => unknown;
    };
    if (typeof mod.createHttpProvider !== "function")
      throw new SkipError("src/auth/http/provider.ts has no createHttpProvider");

    const api = await startApi("api-provider");
    const url = `${api.url}/check_password?user=u1&pass=secret&server=http.test`;
    const provider = mod.createHttpProvider({
      url: api.url,
      host: "http.test",
      timeoutMs: 5000,
      maxConnections: 64,
      logger: log.silentLogger(),
    });
    // The raw baseline gets the same pool size and keep-alive as the provider.
    const pool = new Pool(`http://127.0.0.1:${api.port}`, { connections: 64 });
    const path = new URL(url).pathname + new URL(url).search;
    try {
      const viaProvider = async (): Promise<boolean> =>
        (await provider.checkPassword("u1", "secret")).outcome === "ok";
      const raw = async (): Promise<boolean> => {
        const res = await pool.request({ method: "GET", path });
        return res.statusCode === 200 && (await res.body.text()) === "true";
      };
      await rate(8, 500, viaProvider);
      await rate(8, 500, raw);
      for (const c of LEVELS) {
        const kase = `c=${c}`;
        for (let r = 0; r < ctx.rounds; r++) {
          ctx.progress.phase(`provider ${kase} round ${r + 1}/${ctx.rounds}`);
          const p = await rate(c, ctx.durationMs, viaProvider);
          const u = await rate(c, ctx.durationMs, raw);
          ctx.results.add("provider", kase, "our provider", "check_password", "calls/s", p.perS);
          ctx.results.add("provider", kase, "raw undici", "check_password", "calls/s", u.perS);
          ctx.results.ratio("provider", kase, "calls/s provider ÷ raw undici", true, p.perS / u.perS);
          if (p.failed + u.failed > 0)
            ctx.outcome.notes.push(
              `${kase} round ${r + 1}: ${p.failed} provider / ${u.failed} raw calls failed`,
            );
        }
      }
    } finally {
      await provider.close();
      await pool.close();
      await api.stop();
    }
  },
};
