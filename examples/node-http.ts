// Serving the HTTP auth protocol from a plain node:http app over your own account system.
// Point Prosody (or our server) at it: http_auth_url = "http://127.0.0.1:3000/auth".
import { createServer, type Server } from "node:http";
import { createAuthHandler, toNodeListener, type AuthBackend } from "../src/authd/index.ts";

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
