/**
 * The command line: `--name=value` and `--name value` flags anywhere among
 * the subcommand's words, bare boolean flags, `--` to end flags, and
 * pass-through tokens (like `--json`) that the subcommand reads itself.
 */

import { ConfigError } from "./config.ts";
import { findFlag } from "./flags_table.ts";
import { detailOf, parseFlagValue, setFlag, type Settings } from "./settings.ts";

/** What the command line said: flag values, the flags file to read, and the other words. */
export interface ScannedCommandLine {
  settings: Settings;
  /** The `--flagfile` path, or null. */
  flagfile: string | null;
  /** Every token that is not a flag, in order (single-dash options included). */
  words: string[];
}

/**
 * Splits argv into flags and words. A `--x` token that is not a flag goes to
 * words if `passThrough` lists it (`--json` or `--json=...`), else it is a
 * ConfigError. Bad values throw a ConfigError naming the flag and value.
 */
export function scanCommandLine(
  argv: readonly string[],
  options: { passThrough?: readonly string[] } = {},
): ScannedCommandLine {
  const passThrough = new Set(options.passThrough ?? []);
  const scanned: ScannedCommandLine = { settings: new Map(), flagfile: null, words: [] };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? "";
    if (token === "--") {
      scanned.words.push(...argv.slice(i + 1));
      break;
    }
    if (!token.startsWith("--")) {
      scanned.words.push(token);
      continue;
    }
    const equals = token.indexOf("=");
    const name = equals < 0 ? token.slice(2) : token.slice(2, equals);
    const row = findFlag(name);
    if (row === undefined) {
      if (passThrough.has(token) || passThrough.has(`--${name}`)) {
        scanned.words.push(token);
        continue;
      }
      throw new ConfigError(`Unknown flag "--${name}"`);
    }
    let text: string;
    if (equals >= 0) {
      text = token.slice(equals + 1);
    } else if (row.codec.arity === "boolean") {
      text = "true";
    } else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith("--") && next.length > 2)) {
        throw new ConfigError(`Invalid flag --${name}: a value is required (--${name}=VALUE)`);
      }
      text = next;
      i++;
    }
    if (row.key === null) {
      if (scanned.flagfile !== null) throw new ConfigError("Invalid flag --flagfile: given twice");
      if (text.trim() === "") throw new ConfigError("Invalid flag --flagfile: the path is empty");
      scanned.flagfile = text.trim();
      continue;
    }
    try {
      setFlag(scanned.settings, row, parseFlagValue(row, text));
    } catch (error) {
      throw new ConfigError(`Invalid flag --${name}=${JSON.stringify(text)}: ${detailOf(error)}`);
    }
  }
  return scanned;
}
