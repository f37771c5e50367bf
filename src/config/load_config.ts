/**
 * Loading the configuration: the command line names an optional flags file;
 * defaults, then the file, then the command line decide each flag; the
 * result is validated and deeply frozen.
 */

import { scanCommandLine } from "./command_line.ts";
import { type Config, ConfigError } from "./config.ts";
import { type FlagsFile, readFlagsFile, type ReadTextFile } from "./flags_file.ts";
import { type FlagOrigins, locateConfigError, NO_FLAGFILE } from "./flag_origins.ts";
import { type DefaultContext, FLAGS } from "./flags_table.ts";
import { detailOf, overrideSettings, type Settings } from "./settings.ts";
import { validateConfig } from "./validate.ts";

/** The configuration, the command-line words that were not flags, and where flags came from. */
export interface LoadedCommandLine {
  config: Config;
  words: string[];
  /** For a configuration error found later: see {@link locateConfigError}. */
  origins: FlagOrigins;
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

/**
 * The error for a host whose own name cannot be the default --hostname (all
 * digits, as some containers are named: RFC 1123 2.1): every subcommand
 * reads the same configuration, so it names the flag that fixes it.
 */
function hostnameNeeded(systemName: string, error: unknown): ConfigError {
  return new ConfigError(
    `This host's name "${systemName}" cannot be the default --hostname (${detailOf(error)}): ` +
      "pass --hostname=NAME, the name this server greets with (e.g. --hostname=mail.example.com), " +
      "on the command line or in the flags file",
  );
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
      // The system's name is only a default: the administrator's way out is the flag.
      if (row.key === "hostname") throw hostnameNeeded(text, error);
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
  const file = scanned.flagfile === null
    ? null
    : readFlagsFile(scanned.flagfile, options.readTextFile ?? Deno.readTextFileSync);
  const origins = file === null || scanned.flagfile === null
    ? NO_FLAGFILE
    : originsOf(scanned.flagfile, file, scanned.settings);
  try {
    const config = buildConfig(overrideSettings(file?.settings ?? new Map(), scanned.settings), {
      hostname: options.hostname,
    });
    validateConfig(config);
    return { config: deepFreeze(config), words: scanned.words, origins };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(locateConfigError(error, origins));
  }
}

/** The lines of the flags file's values that the command line left standing. */
function originsOf(flagfile: string, file: FlagsFile, commandLine: Settings): FlagOrigins {
  const lines = new Map<string, number>();
  for (const [row, line] of file.lines) if (!commandLine.has(row)) lines.set(row.name, line);
  return { flagfile, lines };
}
