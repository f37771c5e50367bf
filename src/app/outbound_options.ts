/** The outbound courier's settings that need more than a Config field: credentials and timeouts. */
import { WatchedFile } from "../auth/mod.ts";
import { type Config, ConfigError } from "../config/mod.ts";
import { errorText, type Logger } from "../log/mod.ts";
import { normaliseIp } from "../net/mod.ts";
import { type ClientTimeouts, type Credentials, RFC_TIMEOUTS } from "../smtp_client/mod.ts";

/** The flag a problem with the smarthost password file is about. */
const PASSWORD_FILE_FLAG = { flags: ["smarthost-password-file"] };

/** The smarthost login from `--smarthost-user` and the first line of `--smarthost-password-file`. */
export async function readSmarthostCredentials(
  config: Config,
  log: Logger,
): Promise<{ user: string; password: string } | null> {
  if (config.smarthostUser === "") return null;
  if (config.smarthostPasswordFile === "") {
    throw new ConfigError(
      "Invalid configuration: --smarthost-user needs --smarthost-password-file",
      { flags: ["smarthost-user"] },
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(config.smarthostPasswordFile);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      `Cannot read smarthost password file "${config.smarthostPasswordFile}": ${detail}`,
      PASSWORD_FILE_FLAG,
    );
  }
  const password = firstLine(bytes, config.smarthostPasswordFile);
  const mode = (await Deno.stat(config.smarthostPasswordFile)).mode;
  if (mode !== null && (mode & 0o004) !== 0) {
    log.warn("smarthost.password_file_readable", {
      file: config.smarthostPasswordFile,
      mode: (mode & 0o777).toString(8),
      hint: "chmod 600",
    });
  }
  return { user: config.smarthostUser, password };
}

/**
 * The smarthost login as the password file says now, for each new connection:
 * the file is read again when it changed, so a password fixed after a 535 (as
 * the log line asks) is used at the next attempt without a restart. A file
 * that turns unusable (gone, empty, not UTF-8, unreadable) leaves the last
 * good password in use, with one warning.
 */
export async function smarthostLoginSource(
  config: Config,
  options: { initial: Credentials; log: Logger },
): Promise<() => Promise<Credentials>> {
  const path = config.smarthostPasswordFile;
  const file = new WatchedFile<string>({
    path,
    load: async (at) => firstLine(await Deno.readFile(at), at),
    isKeptWhenRemoved: true,
    onReloadError: (error) =>
      options.log.warn("smarthost.password_file_reload_failed", {
        file: path,
        error: errorText(error),
      }),
  });
  // Loaded now, so that a change from here on is a change (the start's read checked it).
  await file.get().catch(() => {});
  let last = options.initial;
  return async () => {
    try {
      last = { user: last.user, password: await file.get({ isFresh: true }) };
    } catch { /* never loaded here (gone since the start): the start's password stands */ }
    return last;
  };
}

/**
 * The password: the file's first line, without its CRLF or LF. PLAIN sends it
 * as UTF-8 and wants at least one octet (RFC 4616 2), so an empty line or
 * bytes that are not UTF-8 are refused at start: sent, they would only earn a
 * 535 at every attempt (non-UTF-8 bytes would go as U+FFFD).
 */
function firstLine(bytes: Uint8Array, file: string): string {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError(
      `Smarthost password file "${file}" is not UTF-8 text`,
      PASSWORD_FILE_FLAG,
    );
  }
  const password = text.split(/\r?\n/)[0] ?? "";
  if (password === "") {
    throw new ConfigError(
      `Smarthost password file "${file}" is empty: its first line must be the password`,
      PASSWORD_FILE_FLAG,
    );
  }
  return password;
}

/**
 * Every outbound SMTP wait capped at `capMs` (`--remote-smtp-timeout`); 0 keeps
 * the RFC's. A cap only shortens: a wait whose RFC 5321 value is shorter keeps it.
 */
export function clientTimeouts(capMs: number): Partial<ClientTimeouts> | undefined {
  if (capMs === 0) return undefined;
  const capped = Object.entries(RFC_TIMEOUTS).map(([key, ms]) => [key, Math.min(ms, capMs)]);
  return Object.fromEntries(capped) as ClientTimeouts;
}

/** How long a listing of this host's interface addresses is used before it is made again. */
const INTERFACES_TTL_MS = 1_000;

/**
 * A test for "address:port is our own SMTP listener", so that an MX pointing
 * here is found to be a loop (RFC 5321 5.1: the names or addresses by which
 * this host is known). `listener` gives the bound address (port 0 until bound).
 * It runs for every target of every message (MX hosts on port 25 under a
 * listener on `:25`, a smarthost on 587 under `--submission-listen :587`), so
 * the interfaces of a listener on every address are listed at most once a
 * second (`now` and `interfaces` are for tests).
 */
export function ownListenerTest(
  listener: () => { hostname: string; port: number },
  options: {
    now?: () => number;
    interfaces?: () => readonly { address: string }[];
  } = {},
): (address: string, port: number) => boolean {
  const now = options.now ?? (() => performance.now());
  const interfaces = options.interfaces ?? (() => Deno.networkInterfaces());
  let listed: { atMs: number; addresses: Set<string> } | null = null;
  const localAddresses = (): Set<string> => {
    const nowMs = now();
    if (listed === null || nowMs - listed.atMs >= INTERFACES_TTL_MS || nowMs < listed.atMs) {
      let addresses: Set<string>;
      try {
        addresses = new Set(interfaces().map((entry) => normaliseIp(entry.address)));
      } catch {
        addresses = new Set(); // no permission to list interfaces: only loopback is known to be ours
      }
      listed = { atMs: nowMs, addresses };
    }
    return listed.addresses;
  };
  return (address, port) => {
    const own = listener();
    if (own.port === 0 || port !== own.port) return false;
    const target = connectedAddress(normaliseIp(address));
    const host = normaliseIp(own.hostname);
    if (host === "0.0.0.0" || host === "::" || host === "") {
      return isLoopback(target) || localAddresses().has(target);
    }
    if (host === "localhost") return isLoopback(target);
    return target === host;
  };
}

/**
 * Where a connection to `address` lands: the unspecified address ("0.0.0.0",
 * "::") names this host (RFC 1122 3.2.1.3, RFC 4291 2.5.2), and connecting
 * to it reaches the loopback address.
 */
function connectedAddress(address: string): string {
  return address === "0.0.0.0" ? "127.0.0.1" : /^[0:]+$/.test(address) ? "::1" : address;
}

function isLoopback(address: string): boolean {
  return address === "::1" || /^127\./.test(address);
}
