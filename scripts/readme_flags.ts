/**
 * Keeps the README's flags table in step with the flags table in
 * `src/config/flags_table.ts`: rewrites the block between the lines
 * `<!-- flags:start -->` and `<!-- flags:end -->` in README.md.
 *
 *     deno task readme                 rewrite the block
 *     deno task readme --check         exit 1 if the block is out of date
 */

import { renderFlagsMarkdown } from "../src/config/mod.ts";

const START = "<!-- flags:start -->";
const END = "<!-- flags:end -->";

/** The README text with the block between the markers replaced, or an error message. */
export function replaceFlagsBlock(readme: string, table: string): string | { error: string } {
  const lines = readme.split("\n");
  const start = lines.findIndex((line) => line.trim() === START);
  const end = lines.findIndex((line, index) => index > start && line.trim() === END);
  if (start < 0 || end < 0) {
    return { error: `README.md needs the lines "${START}" and "${END}" around the flags table` };
  }
  const block = ["", ...table.trimEnd().split("\n"), ""];
  return [...lines.slice(0, start + 1), ...block, ...lines.slice(end)].join("\n");
}

/** Runs the script; returns the exit status. */
function main(args: string[]): number {
  const isCheck = args.includes("--check");
  const unknown = args.filter((arg) => arg !== "--check");
  if (unknown.length > 0) {
    console.error(`Unknown argument "${unknown[0]}"; usage: readme_flags.ts [--check]`);
    return 2;
  }
  const path = new URL("../README.md", import.meta.url);
  let readme: string;
  try {
    readme = Deno.readTextFileSync(path);
  } catch (error) {
    console.error(`Cannot read "${path.pathname}": ${String(error)}`);
    return 1;
  }
  const updated = replaceFlagsBlock(readme, renderFlagsMarkdown());
  if (typeof updated !== "string") {
    console.error(`Cannot update "${path.pathname}": ${updated.error}`);
    return 1;
  }
  if (isCheck) {
    if (updated === readme) return 0;
    console.error(`The flags table in README.md is out of date; run: deno task readme`);
    return 1;
  }
  if (updated !== readme) Deno.writeTextFileSync(path, updated);
  console.log(updated === readme ? "README.md flags table is up to date" : "README.md updated");
  return 0;
}

if (import.meta.main) Deno.exit(main(Deno.args));
