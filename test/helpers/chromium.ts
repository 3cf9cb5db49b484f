// Debian's chromium driven by playwright-core, for tests of pages in a real browser. Absent chromium
// skips such a test with the reason, except under CI=true, where it must be there (.ci/run installs it).
import { existsSync, mkdirSync } from "node:fs";
import type { TestContext } from "node:test";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM_PATH = "/usr/bin/chromium";
/** Screenshots and other evidence, kept after the run (gitignored). */
export const ARTIFACTS_DIR = new URL("../../test-artifacts/", import.meta.url).pathname;

/** A headless chromium, or undefined after marking the test skipped. */
export async function launchChromium(t: TestContext): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM_PATH)) {
    if (process.env.CI === "true") throw new Error(`${CHROMIUM_PATH} is missing; CI must install chromium`);
    t.skip(`${CHROMIUM_PATH} is not installed (apt-get install chromium)`);
    return undefined;
  }
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}
