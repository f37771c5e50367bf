/**
 * Loading the configuration: the command line names an optional flags file;
 * defaults, then the file, then the command line decide each flag; the
 * result is validated and deeply frozen.
 */

import { scanCommandLine } from "./command_line.ts";
import { type Config, ConfigError } from "./config.ts";
import { readFlagsFile, type ReadTextFile } from "./flags_file.ts";
import { type DefaultContext, FLAGS } from "./flags_table.ts";
import { detailOf, overrideSettings, type Settings } from "./settings.ts";
import { validateConfig } from "./validate.ts";

/** The configuration and the command-line words that were not flags. */
export interface LoadedCommandLine {
  config: Config;
  words: string[];
}

/** Seams for tests and for subcommands with their own `--x` options. */
export interface LoadConfigOptions {
  /** The host's name used when --hostname is not given (default `Deno.hostname()`). */
  hostname?: string;
  /** Reads the flags file (default `Deno.readTextFileSync`). */
  readTextFile?: ReadTextFile;
  /** `--x` tokens that are not flags but belong to the subcommand, like `--json`. */
  passThrough?: readonly string[];
}

/** The host's name from the system, or a ConfigError asking for --hostname. */
function systemHostname(): string {
  try {
    return Deno.hostname();
  } catch (error) {
    throw new ConfigError(`Cannot determine the host's name: ${detailOf(error)}; set --hostname`);
  }
}

/** Freezes a value and everything reachable from it (typed arrays cannot be frozen). */
function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value)) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}

/**
 * Builds a Config from merged settings: flags not given take their default;
 * computed defaults (like `<spool-dir>/users`) are resolved after the rest.
 */
export function buildConfig(settings: Settings, options: { hostname?: string } = {}): Config {
  const config: Record<string, unknown> = {};
  const context: DefaultContext = {
    hostname: () => options.hostname ?? systemHostname(),
    config: config as Partial<Config>,
  };
  const computed = FLAGS.filter((row) => typeof row.default === "function");
  const plain = FLAGS.filter((row) => typeof row.default !== "function");
  for (const row of [...plain, ...computed]) {
    if (row.key === null) continue;
    if (settings.has(row)) {
      config[row.key] = settings.get(row);
      continue;
    }
    const text = typeof row.default === "function" ? row.default(context) : row.default;
    try {
      config[row.key] = row.codec.parse(text);
    } catch (error) {
      throw new ConfigError(`Invalid default for --${row.name} ("${text}"): ${detailOf(error)}`);
    }
  }
  const ordered: Record<string, unknown> = {};
  for (const row of FLAGS) if (row.key !== null) ordered[row.key] = config[row.key];
  return ordered as unknown as Config;
}

/**
 * Loads the configuration from argv (without the program name): reads the
 * `--flagfile` if given, lets the command line override it, fills in
 * defaults, validates, and returns the deeply frozen Config with the words
 * that were not flags. Every problem is a ConfigError with a user-facing message.
 */
export function loadConfig(argv: string[], options: LoadConfigOptions = {}): LoadedCommandLine {
  const scanned = scanCommandLine(argv, options);
  const fromFile: Settings = scanned.flagfile === null
    ? new Map()
    : readFlagsFile(scanned.flagfile, options.readTextFile ?? Deno.readTextFileSync);
  const config = buildConfig(overrideSettings(fromFile, scanned.settings), options);
  validateConfig(config);
  return { config: deepFreeze(config), words: scanned.words };
}
