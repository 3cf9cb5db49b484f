// The package version, read once from package.json (used in User-Agent and XEP-0092).
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};

export const VERSION: string = pkg.version;
export const USER_AGENT = `xmpp-http-auth/${VERSION}`;
