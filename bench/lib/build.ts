// Compiles src/ to plain JavaScript in a run dir, so benchmarks measure what `npm run build` ships
// rather than the source through tsx: tsx's esbuild keeps function names by wrapping every function
// it creates in `__name(fn, "…")`, which gives each closure a property array of its own (≈ 9 KB more
// heap per idle session than the compiled server) and costs CPU wherever closures are made.
// Transpiled file by file (no type check: the test suite does that), into a tree of our own, so a
// half-built dist/ of the shared checkout cannot skew a run.
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import ts from "typescript";

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") && !entry.name.endsWith(".test.ts"))
      yield path;
  }
}

/** Builds `<repoRoot>/src` into `<outDir>/dist` and returns that directory. */
export function buildServer(repoRoot: string, outDir: string): string {
  const src = join(repoRoot, "src");
  const dist = join(outDir, "dist");
  const compilerOptions: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.ESNext,
    verbatimModuleSyntax: true,
    rewriteRelativeImportExtensions: true,
  };
  for (const file of sources(src)) {
    const out = join(dist, relative(src, file)).replace(/\.ts$/, ".js");
    const { outputText } = ts.transpileModule(readFileSync(file, "utf8"), {
      compilerOptions,
      fileName: file,
    });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  // dist/version.js reads ../package.json (whose "type": "module" makes the .js files ESM);
  // dependencies resolve through a link to the checkout's node_modules.
  cpSync(join(repoRoot, "package.json"), join(outDir, "package.json"));
  symlinkSync(join(repoRoot, "node_modules"), join(outDir, "node_modules"), "dir");
  return dist;
}
