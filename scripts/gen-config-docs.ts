// Prints the option tables of docs/configuration.md from the schema, so docs and code agree:
//   node --import tsx scripts/gen-config-docs.ts > docs/configuration-options.md.tmp
import { GLOBAL_OPTIONS, HOST_OPTIONS } from "../src/config/schema.ts";

function table(specs: Record<string, { default: unknown; doc: string }>): string {
  const rows = Object.entries(specs).map(([key, s]) => {
    const def = s.default === undefined ? "(none)" : "`" + JSON.stringify(s.default) + "`";
    return `| \`${key}\` | ${def} | ${s.doc.replaceAll("|", "\\|")} |`;
  });
  return ["| option | default | meaning |", "|---|---|---|", ...rows].join("\n");
}

process.stdout.write(
  `### Server-wide options (top level only)\n\n${table(GLOBAL_OPTIONS)}\n\n` +
    `### Per-host options (top level as a default for every host, or under \`[hosts."name"]\`)\n\n${table(HOST_OPTIONS)}\n`,
);
