// Runs the project's CLI from source (src/cli/main.ts only exports `main`; bin/ needs a built dist/),
// so the bench measures the working tree without a build step: node --import tsx bench/lib/cli-entry.ts serve …
import { main } from "../../src/cli/main.ts";

process.exitCode = await main(process.argv.slice(2));
