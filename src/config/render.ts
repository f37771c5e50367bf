/**
 * Text generated from the flags table: `--help`, the `check` output (itself
 * a valid flags file) and the README's markdown flags table.
 */

import type { Config } from "./config.ts";
import { type FlagRow, FLAGS } from "./flags_table.ts";

/** The command-line synopsis, as in the design's interface contract. */
const USAGE = `Usage:
  pillarbox serve    [--flagfile=FILE] [--flag=value ...]   run every enabled listener, the queue and the pickup watcher
  pillarbox user add ADDRESS        password read from stdin (one line); also: user del, user list, user passwd
  pillarbox queue list [--json]     also: queue show QID, queue retry [QID|--all], queue delete QID
  pillarbox sendmail [-t] [-i] [-f SENDER] [RCPT ...]       sendmail-compatible: message on stdin, spooled for delivery
  pillarbox check    [--flagfile=FILE]                      validate the configuration, print it, exit 0 or 2
  pillarbox help | --help | version | --version

Every subcommand accepts --flagfile and the flags below, anywhere on the command line.
Write --name=value (or --name value); a boolean may stand bare. In a flags file: one
--name=value per line, # comments; the command line overrides the file.`;

/** Width that help text is wrapped to. */
const HELP_WIDTH = 80;
const HELP_INDENT = "      ";

/** The default as markdown: the row's label, "empty", or the default text as code. */
function defaultMarkdown(row: FlagRow): string {
  if (row.defaultLabel !== undefined) return row.defaultLabel;
  if (typeof row.default !== "string" || row.default === "") return "empty";
  return `\`${row.default}\``;
}

/** Markdown text as plain text: backticks removed. */
function plain(markdown: string): string {
  return markdown.replaceAll("`", "");
}

/** Wraps words into lines of at most HELP_WIDTH columns (unless a word is longer), indented. */
function wrap(words: string[]): string[] {
  const lines: string[] = [];
  let line = HELP_INDENT;
  for (const word of words) {
    if (line.length > HELP_INDENT.length && line.length + 1 + word.length > HELP_WIDTH) {
      lines.push(line);
      line = HELP_INDENT;
    }
    line += line.length > HELP_INDENT.length ? ` ${word}` : word;
  }
  lines.push(line);
  return lines;
}

/** The `--help` text: usage, then every flag with its value form, help and default. */
export function renderHelp(): string {
  const lines = [USAGE, "", "Flags:"];
  for (const row of FLAGS) {
    const form = row.codec.arity === "boolean" ? "[=true|false]" : `=${row.codec.metavar}`;
    lines.push(`  --${row.name}${form}`);
    const words = plain(row.help).split(" ");
    lines.push(...wrap([...words, `(default: ${plain(defaultMarkdown(row))})`]));
  }
  return lines.join("\n") + "\n";
}

/**
 * The configuration as a flags file: one `--name=value` line per flag in
 * table order (a repeatable flag gets one line per value), spelled so that
 * loading the output gives an equal Config. `--flagfile` is not printed.
 */
export function renderConfig(config: Config): string {
  const lines: string[] = [];
  for (const row of FLAGS) {
    if (row.key === null) continue;
    for (const value of row.codec.format(config[row.key])) lines.push(`--${row.name}=${value}`);
  }
  return lines.join("\n") + "\n";
}

/** Escapes a markdown table cell. */
function cell(text: string): string {
  return text.replaceAll("|", "\\|");
}

/** The README flags table (`| flag | default | meaning |`), aligned as `deno fmt` writes it. */
export function renderFlagsMarkdown(): string {
  const rows = [
    ["flag", "default", "meaning"],
    ...FLAGS.map((row) => [`\`--${row.name}\``, defaultMarkdown(row), row.help].map(cell)),
  ];
  const widths = [0, 1, 2].map((column) =>
    Math.max(3, ...rows.map((cells) => (cells[column] ?? "").length))
  );
  const format = (cells: string[]) =>
    `| ${cells.map((text, column) => text.padEnd(widths[column] ?? 0)).join(" | ")} |`;
  const [header = [], ...body] = rows;
  const separator = `| ${widths.map((width) => "-".repeat(width)).join(" | ")} |`;
  return [format(header), separator, ...body.map(format)].join("\n") + "\n";
}
