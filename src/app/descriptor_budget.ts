/**
 * Whether the listeners' connection limits fit under the process's limit on
 * open files (RLIMIT_NOFILE). Every connection is a descriptor, and so is
 * everything else the server opens: queue and mailbox files, the folder
 * handles kept for fsync, outbound connections and DNS, the runtime's own.
 * A server whose --max-connections add up past the limit runs out of
 * descriptors before it refuses a connection as busy: accepts stall, and
 * messages and mailbox reads fail with "try again later" for everyone. So
 * `check` and `serve` warn, naming what to change. The free descriptors are
 * counted by opening /dev/null until `needed` are open or none is left.
 */
import type { Config } from "../config/mod.ts";

/**
 * Free descriptors the server needs besides its sessions: the folder handles
 * kept for fsync (up to 128), deliveries (16 at a time, each a connection, a
 * DNS socket and a file), files of messages being taken in or read.
 */
export const DESCRIPTORS_BESIDES_SESSIONS = 224;

/** The status page's own connection limit (http/status_server.ts). */
const HTTP_CONNECTIONS = 16;

/** A probe never opens more than this many files: a host that gives this many is generous. */
const MAX_PROBE = 100_000;

/**
 * How many more files this process can open now, counted up to `wanted`
 * (opened and closed at once: Deno lets a server without --allow-all read
 * neither /proc/self/limits nor getrlimit). Null where /dev/null cannot be
 * opened at all.
 */
export function freeDescriptors(wanted: number): number | null {
  const opened: Deno.FsFile[] = [];
  try {
    while (opened.length < Math.min(wanted, MAX_PROBE)) {
      opened.push(Deno.openSync("/dev/null", { read: true }));
    }
  } catch (error) {
    if (opened.length === 0 && !isOutOfDescriptors(error)) return null;
  } finally {
    for (const file of opened) file.close();
  }
  return opened.length;
}

function isOutOfDescriptors(error: unknown): boolean {
  return error instanceof Error && /\(os error 24\)|EMFILE/.test(error.message);
}

/** The mail listeners `config` enables (the status page aside). */
export function mailListenerCount(config: Config): number {
  return [
    config.smtpListen,
    config.submissionListen,
    config.submissionsListen,
    config.pop3Listen,
    config.pop3sListen,
    config.imapListen,
    config.imapsListen,
  ].filter((address) => address !== null).length;
}

/** Sessions the enabled listeners may hold at once. */
export function sessionCeiling(config: Config): number {
  return mailListenerCount(config) * config.maxConnections +
    (config.httpListen ? HTTP_CONNECTIONS : 0);
}

/** A warning when `sessions` plus the rest need more than the `free` descriptors; null when they fit or it is unknown. */
export function descriptorWarning(
  options: { sessions: number; maxConnections: number; free: number | null },
): string | null {
  const { sessions, maxConnections, free } = options;
  const needed = sessions + DESCRIPTORS_BESIDES_SESSIONS;
  if (free === null || free >= needed) return null;
  return `the listeners may hold ${sessions} connections (--max-connections=${maxConnections} ` +
    `each) but only ${free} more files can be opened (RLIMIT_NOFILE), and the server needs ` +
    `about ${DESCRIPTORS_BESIDES_SESSIONS} more for queue and mailbox files and deliveries: ` +
    `lower --max-connections or raise the limit by at least ${needed - free} ` +
    "(ulimit -n, systemd LimitNOFILE=)";
}

/** The warning for `config` in this process, probing as few descriptors as it needs. */
export function descriptorWarningFor(config: Config): string | null {
  const sessions = sessionCeiling(config);
  const free = freeDescriptors(sessions + DESCRIPTORS_BESIDES_SESSIONS);
  return descriptorWarning({ sessions, maxConnections: config.maxConnections, free });
}
