// Serving the HTTP auth protocol from a plain node:http app over your own account system.
// Run it: `npx tsx examples/node-http.ts` in a clone (where the package name resolves to src/
// through tsconfig's paths), or copy it into a project that installed xmpp-http-auth. It listens on
// 127.0.0.1:3000 (PORT to change) until Ctrl-C; point Prosody (or our server) at it with
// http_auth_url = "http://127.0.0.1:3000/auth" and http_auth_credentials = "prosody:secret".
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { createAuthHandler, toNodeListener, type AuthBackend } from "xmpp-http-auth";

export function createExampleServer(accounts: Map<string, string>): Server {
  const backend: AuthBackend = {
    // Your own check goes here; store password hashes, never passwords, in real code.
    checkPassword: (user, server, pass) => accounts.get(`${user}@${server}`) === pass,
    userExists: (user, server) => accounts.has(`${user}@${server}`),
    // No register/set_password/remove_user: the handler answers 501 for them.
  };
  const handler = createAuthHandler(backend, { credentials: "prosody:secret", domains: ["example.com"] });
  return createServer(toNodeListener(handler));
}

// Run as a program (the test imports it instead): listen until stopped.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = createExampleServer(new Map([["alice@example.com", "wonderland"]]));
  server.listen(Number(process.env["PORT"] ?? 3000), "127.0.0.1", () => {
    const { port } = server.address() as AddressInfo;
    console.log(`listening: http_auth_url = "http://127.0.0.1:${port}/auth", credentials prosody:secret`);
  });
}
