/**
 * The flags file: one `--name=value` per line, as on the command line;
 * blank lines and `#` comments ignored. Every problem names the file and line.
 */

import { ConfigError } from "./config.ts";
import { findFlag, type FlagRow } from "./flags_table.ts";
import { detailOf, parseFlagValue, setFlag, type Settings } from "./settings.ts";

/** Reads a file's text; throws on failure. */
export type ReadTextFile = (path: string) => string;

/** What a flags file gave, and the line each flag was (first) given on. */
export interface FlagsFile {
  settings: Settings;
  lines: ReadonlyMap<FlagRow, number>;
}

/** The error for a problem on one line of a flags file. */
function lineError(path: string, line: number, detail: string): ConfigError {
  return new ConfigError(`Cannot read flags file "${path}": line ${line}: ${detail}`);
}

/**
 * Parses one non-blank, non-comment line into `settings`. `lines` holds the
 * line each flag was first given on: a flag that takes one value, given again,
 * is an error naming both lines (which one did the writer mean?).
 */
function parseLine(
  settings: Settings,
  line: string,
  place: { lineNumber: number; lines: Map<FlagRow, number> },
  fail: (detail: string) => never,
): void {
  if (!line.startsWith("--")) fail(`expected --name=value, got ${JSON.stringify(line)}`);
  const equals = line.indexOf("=");
  const head = equals < 0 ? line.slice(2) : line.slice(2, equals);
  const name = head.split(/\s/, 1)[0] ?? "";
  const row = findFlag(name);
  if (row === undefined) fail(`unknown flag "--${name}"`);
  if (row.key === null) fail("--flagfile is only allowed on the command line");
  if (name !== head || (equals < 0 && row.codec.arity !== "boolean")) {
    fail(`--${name} needs a value written as --${name}=VALUE`);
  }
  const text = equals < 0 ? "true" : line.slice(equals + 1);
  let value: unknown;
  try {
    value = parseFlagValue(row, text);
  } catch (error) {
    fail(`--${name}: ${detailOf(error)}`);
  }
  // What a codec for free text (a path, a user name) takes as written, though the
  // writer meant something else: the file or account named would silently not be it.
  const problem = shellHabit(text.trim());
  if (problem !== null) fail(`--${name}: ${JSON.stringify(text.trim())} ${problem}`);
  const earlier = place.lines.get(row);
  if (earlier !== undefined && row.codec.arity !== "list") {
    fail(`--${name} is given again (first on line ${earlier}); it takes one value`);
  }
  place.lines.set(row, earlier ?? place.lineNumber);
  setFlag(settings, row, value);
}

/**
 * A trailing `# comment` (after whitespace), or a value wrapped in quotes as
 * for a shell: nothing in a flags file takes either off. Null when neither.
 */
function shellHabit(value: string): string | null {
  if (/\s#/.test(value)) return "holds a comment; a comment takes a line of its own";
  if (/^(["']).*\1$/s.test(value)) {
    return "is in quotes; write the value without them (no shell reads this file)";
  }
  return null;
}

/** Parses the text of the flags file at `path` (the path is only used in messages). */
export function parseFlagsFile(path: string, text: string): FlagsFile {
  const settings: Settings = new Map();
  const firstLines = new Map<FlagRow, number>();
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (const [index, rawLine] of lines.entries()) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) continue;
    const fail = (detail: string): never => {
      throw lineError(path, index + 1, detail);
    };
    // What the text decoder made of bytes that are no UTF-8 (a file saved in Latin-1): the value
    // would name a path or account nobody wrote.
    if (line.includes("\uFFFD")) fail("not valid UTF-8 (save the file as UTF-8)");
    parseLine(settings, line, { lineNumber: index + 1, lines: firstLines }, fail);
  }
  return { settings, lines: firstLines };
}

/** Reads and parses a flags file; an unreadable file is a ConfigError naming it. */
export function readFlagsFile(path: string, readTextFile: ReadTextFile): FlagsFile {
  let text: string;
  try {
    text = readTextFile(path);
  } catch (error) {
    throw new ConfigError(`Cannot read flags file "${path}": ${detailOf(error)}`);
  }
  return parseFlagsFile(path, text);
}
