// The process entry point of the `xmpp-http-auth` command (bin/ runs its compiled form; `npm run dev`
// runs it from source). Everything else in src/ is free of process-wide side effects.
import process from "node:process";
import { main } from "./main.ts";

process.exitCode = await main(process.argv.slice(2));
// A command has returned: whatever still holds the event loop (a socket a failed start-up could not
// close) must not keep the process alive, deaf to Ctrl-C. The timer itself holds nothing.
setTimeout(() => process.exit(), 3000).unref();
