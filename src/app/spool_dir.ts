/**
 * A `--spool-dir` the server cannot use (a path through a file, a directory
 * it may not write, a read-only file system) is the administrator's to fix,
 * like a bad flag: one line naming the flag and the path, status 2.
 */
import { dirname, join } from "node:path";
import { ConfigError } from "../config/mod.ts";

/** What a failed mkdir/open in the spool says about the path, not about a passing state. */
function isPathProblem(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Deno.errors.NotADirectory ||
    error instanceof Deno.errors.AlreadyExists ||
    error instanceof Deno.errors.PermissionDenied ||
    error instanceof Deno.errors.NotFound ||
    error instanceof Deno.errors.FilesystemLoop ||
    code === "EROFS";
}

/** The ConfigError for `spoolDir` and `error`. */
function spoolDirError(spoolDir: string, error: unknown): ConfigError {
  const reason = error instanceof Error ? error.message : String(error);
  return new ConfigError(`Cannot use --spool-dir "${spoolDir}": ${reason}`, {
    flags: ["spool-dir"],
  });
}

/** Runs `open` (the server's spool); a path problem becomes a ConfigError naming --spool-dir. */
export async function openSpoolDir<T>(spoolDir: string, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (error) {
    throw isPathProblem(error) ? spoolDirError(spoolDir, error) : error;
  }
}

/** The folders `serve` makes in the spool at start (a file in the place of one stops it). */
const SPOOL_FOLDERS = [
  "queue",
  "queue/tmp",
  "queue/msg",
  "queue/state",
  "queue/wake",
  "queue/spare",
  "pickup",
  "pickup-rejected",
  "mail",
];

/**
 * For `check`: a spool directory that exists must be a directory, and one
 * that does not must be makeable (no file on its path); so must each folder
 * `serve` makes in it. Each one that exists (or, for a spool not made yet,
 * its nearest parent) must take a new file (a probe, removed at once), as
 * `serve` refuses a spool it cannot write its lock file in, and cannot take
 * mail into a folder it cannot write.
 */
export async function checkSpoolDir(spoolDir: string): Promise<void> {
  await refuseRootOnOthersSpool(spoolDir);
  const existing: string[] = [];
  for (const path of [spoolDir, ...SPOOL_FOLDERS.map((folder) => join(spoolDir, folder))]) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue; // made at start
      throw spoolDirError(spoolDir, error);
    }
    if (!info.isDirectory) {
      const what = path === spoolDir ? "not a directory" : `"${path}" is not a directory`;
      throw spoolDirError(spoolDir, new Error(what));
    }
    existing.push(path);
  }
  if (existing.length === 0) existing.push(await nearestExisting(spoolDir));
  for (const dir of existing) await probeWrite(dir, spoolDir);
}

/** Creates and removes one file in `dir`; a refusal names --spool-dir. */
async function probeWrite(dir: string, spoolDir: string): Promise<void> {
  let probe: string;
  try {
    probe = await Deno.makeTempFile({ dir, prefix: ".pillarbox-check-" });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw spoolDirError(spoolDir, new Error(`cannot write in "${dir}": ${reason}`));
  }
  // Gone already: a running server took it (its start-up sweep of queue/tmp/); it was written.
  await Deno.remove(probe).catch((error: unknown) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}

/** The closest ancestor of a spool directory that does not exist yet (serve makes the rest). */
async function nearestExisting(path: string): Promise<string> {
  let dir = dirname(path);
  for (;;) {
    try {
      await Deno.stat(dir);
      return dir;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound) || dirname(dir) === dir) throw error;
      dir = dirname(dir);
    }
  }
}

/**
 * `serve` (and `check`, which says what serve would) run as root on a spool
 * another user owns, the service user of README "Users and permissions":
 * refused. Every Maildir, queue and spare file a root server made there would
 * be root's, mode 0600, and the server run later as that user could not read
 * them: a POP3 login to such a mailbox failed, IMAP SEARCH met an internal
 * error, and a folder root made stopped the next start. (The commands `user`,
 * `queue` and `sendmail` give what they write to the spool's owner instead.)
 */
export async function refuseRootOnOthersSpool(spoolDir: string): Promise<void> {
  if (!isRoot()) return;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(spoolDir);
  } catch {
    return; // made at start, as root's; or a problem the spool checks name
  }
  if (info.uid === null || info.uid === 0) return;
  throw spoolDirError(
    spoolDir,
    new Error(
      `it belongs to uid ${info.uid}, and this runs as root: run the server as that user ` +
        "(systemd User=, sudo -u), which could not read the files root would make there",
    ),
  );
}

/** Whether this process runs as root (false where uids do not exist). */
function isRoot(): boolean {
  try {
    return Deno.uid() === 0;
  } catch {
    return false;
  }
}

/**
 * For commands that read a server's spool (`queue`): one that does not exist
 * is a mistyped --spool-dir (no server has run there), not an empty queue to
 * make and report.
 */
export async function requireSpoolDir(spoolDir: string): Promise<void> {
  try {
    await Deno.stat(spoolDir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw spoolDirError(spoolDir, new Error("no such directory"));
    }
    // Anything else is for openSpoolDir to name, as for any other spool problem.
  }
}
