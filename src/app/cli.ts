/**
 * The command line: loads the configuration (exit 2 on any configuration
 * error, before a socket opens) and runs the subcommand from the table.
 */
import { Directory } from "../auth/mod.ts";
import {
  checkListenHosts,
  type Config,
  ConfigError,
  type FlagOrigins,
  loadConfig,
  locateConfigError,
  renderConfig,
  renderHelp,
  scanCommandLine,
} from "../config/mod.ts";
import { Logger } from "../log/mod.ts";
import { loadTlsSettings } from "../net/mod.ts";
import { descriptorWarningFor } from "./descriptor_budget.ts";
import { readSmarthostCredentials } from "./outbound_options.ts";
import { runServe } from "./serve.ts";
import { checkSpoolDir } from "./spool_dir.ts";
import { VERSION } from "./version.ts";
import { runUserCommand } from "./user_command.ts";
import { runQueueCommand } from "./queue_command.ts";
import { runSendmailCommand } from "./sendmail_command.ts";

export { VERSION } from "./version.ts";

/** Output streams, injectable for tests. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  stdin: ReadableStream<Uint8Array>;
}

type Subcommand = (words: string[], config: Config, io: CliIo) => Promise<number>;

/**
 * A subcommand that takes flags only: a stray word (`-flagfile=x` with one
 * dash, the `b.test` of an unquoted `--domains=a.test, b.test`) is a usage
 * error, status 2, rather than a setting silently left out.
 */
function flagsOnly(name: string, run: Subcommand): Subcommand {
  return async (words, config, io) => {
    const [word] = words;
    if (word === undefined) return await run(words, config, io);
    io.err(
      `pillarbox: ${name} takes flags only (--name=value), not ${JSON.stringify(word)}` +
        ' (see "pillarbox help")',
    );
    return 2;
  };
}

async function runCheck(_words: string[], config: Config, io: CliIo): Promise<number> {
  try {
    await checkListenHosts(config);
    await checkSpoolDir(config.spoolDir);
    const directory = new Directory({
      usersFile: config.usersFile,
      aliasesFile: config.aliasesFile,
      domains: config.domains,
    });
    await directory.load();
    for (const line of offDomainWarnings(await directory.offDomainEntries(), config.domains)) {
      io.err(`pillarbox: warning: ${line}`);
    }
    for (const alias of await directory.shadowedAliases()) {
      io.err(`pillarbox: warning: ${shadowedAliasWarning(alias)}`);
    }
    const quiet = new Logger({ level: "error" });
    await loadTlsSettings(config, quiet);
    // What serve reads at start, so "configuration ok" means serve will start.
    await readSmarthostCredentials(config, quiet);
    const descriptors = descriptorWarningFor(config);
    if (descriptors !== null) io.err(`pillarbox: warning: ${descriptors}`);
  } catch (error) {
    // Printed by runCli, which knows where each flag was given.
    if (error instanceof ConfigError) throw error;
    io.err(`pillarbox: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  io.out(renderConfig(config).trimEnd());
  io.out("# configuration ok");
  return 0;
}

/**
 * One line per account or alias on a domain that is not local: it logs in (an
 * account) but mail to it is relayed away or refused, never delivered here.
 */
export function offDomainWarnings(
  entries: readonly { kind: "account" | "alias"; address: string }[],
  domains: readonly string[],
): string[] {
  return entries.map(({ kind, address }) =>
    `${kind} "${address}" is on no domain of --domains=${domains.join(",")}: ` +
    "mail to it is not delivered here"
  );
}

/** Why the alias `address`, an account too, is never used. */
function shadowedAliasWarning(address: string): string {
  return `alias "${address}" is an account too: the account gets its mail, the alias is never used`;
}

/** Subcommands by first word; "help" and "version" are handled before the table. */
export const SUBCOMMANDS = new Map<string, Subcommand>([
  ["serve", flagsOnly("serve", (_words, config, io) => runServe(config, { err: io.err }))],
  ["check", flagsOnly("check", runCheck)],
  [
    "user",
    (words, config, io) =>
      runUserCommand(words, {
        usersFile: config.usersFile,
        domains: config.domains,
        stdin: io.stdin,
        out: io.out,
        err: io.err,
      }),
  ],
  ["queue", (words, config, io) => runQueueCommand(words, { config, out: io.out, err: io.err })],
  [
    "sendmail",
    (words, config, io) =>
      runSendmailCommand(words, { config, stdin: io.stdin, out: io.out, err: io.err }),
  ],
]);

/** Runs the command line `argv` (without the program name); returns the exit status. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const passThrough = ["--json", "--all", "--help", "--version"];
  let words: string[];
  let config: Config;
  let origins: FlagOrigins;
  try {
    // Help and version answer before the configuration is built: a flags file that
    // cannot be read, or a system host name that is no valid --hostname, must not hide them.
    const [first, ...others] = scanCommandLine(argv, { passThrough }).words;
    if (
      first === undefined || first === "help" || first === "--help" || others.includes("--help")
    ) {
      io.out(renderHelp().trimEnd());
      return first === undefined ? 2 : 0;
    }
    if (first === "version" || first === "--version") {
      io.out(`pillarbox ${VERSION}`);
      return 0;
    }
    ({ words, config, origins } = loadConfig(argv, { passThrough }));
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(`pillarbox: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const [name = "", ...rest] = words;
  const subcommand = SUBCOMMANDS.get(name);
  if (!subcommand) {
    io.err(`pillarbox: unknown command "${name}" (see "pillarbox help")`);
    return 2;
  }
  try {
    return await subcommand(rest, config, io);
  } catch (error) {
    // A configuration problem found while running (a --spool-dir that cannot be used),
    // with the flags file's line for each flag it is about.
    if (!(error instanceof ConfigError)) throw error;
    io.err(`pillarbox: ${locateConfigError(error, origins)}`);
    return 2;
  }
}
