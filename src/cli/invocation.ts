// How to run this command again, as printed in hints: what works at once where the user is. From an
// install, the command itself (global) or `npx` (which finds it in node_modules/.bin without
// downloading); from a clone, `node` on the bin script (npx would first install the clone into its
// cache and build it, which takes half a minute).
import { realpathSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** `script` is the file node was asked to run (process.argv[1]); `cwd` where the user is. */
export function cliInvocation(script: string | undefined, cwd: string): string {
  if (script === undefined) return "xmpp-http-auth";
  const file = real(script);
  const at = file.lastIndexOf(`${sep}node_modules${sep}`);
  if (at !== -1) {
    // A project install when the user is inside that project; a global one otherwise.
    const here = real(cwd) + sep;
    return here.startsWith(file.slice(0, at) + sep) ? "npx xmpp-http-auth" : "xmpp-http-auth";
  }
  if (!/\.(js|ts)$/.test(file)) return "xmpp-http-auth";
  const rel = relative(cwd, file);
  const shown = rel.startsWith("..") || isAbsolute(rel) ? file : rel;
  // From source (npm run dev, tests): the TypeScript entry needs tsx.
  return file.endsWith(".ts") ? `node --import tsx ${shown}` : `node ${shown}`;
}
