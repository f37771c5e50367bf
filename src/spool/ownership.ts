/**
 * Who owns what a command writes into a spool it does not own.
 *
 * The server runs as a service user (`pillarbox`) on a spool that user owns,
 * files mode 0600. The administrator (and cron, which mails a job's output
 * through `pillarbox sendmail`) runs the other commands as root: a file root
 * writes there would be root's, 0600, and the server could never read it (a
 * queued message never delivered, a users file that stops the next start).
 * So a process running as root gives what it writes to the owner of the place
 * it writes into. Anyone else can only write where they may, as themselves.
 */

/**
 * node:fs (Deno has no lchown), loaded only by a process that has an owner to
 * give files to: a root-run command on a service user's spool. A server on its
 * own spool never needs it, and node:fs costs ~5 MB of RSS (README, Performance).
 */
let nodeFs: typeof import("node:fs") | null = null;

/** A file's owner and group. */
export interface FileOwner {
  readonly uid: number;
  readonly gid: number;
}

/** Whether this process runs as root (false where uids do not exist, or may not be asked). */
function isRoot(): boolean {
  try {
    return Deno.uid() === 0;
  } catch {
    return false;
  }
}

/**
 * The owner to give what this process writes at or into `path`: `path`'s
 * owner when this process runs as root and `path` is not root's; null when
 * nothing is to be changed (not root, root's own, or `path` does not exist).
 */
export async function ownerToGive(path: string): Promise<FileOwner | null> {
  if (!isRoot()) return null;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  if (info.uid === null || info.gid === null) return null;
  if (info.uid === 0 && info.gid === 0) return null;
  // Loaded now, so that giveToSync can run without yielding.
  nodeFs ??= await import("node:fs");
  return { uid: info.uid, gid: info.gid };
}

/** node:fs, which every non-null owner (only ownerToGive makes them) has loaded. */
function loadedFs(): typeof import("node:fs") {
  if (nodeFs === null) throw new Error("an owner not made by ownerToGive: node:fs is not loaded");
  return nodeFs;
}

/**
 * Gives `path` (a file or folder this process made) to `owner`; nothing when
 * null. A symlink is given itself, never followed (lchown): everything under
 * the spool is its owner's to replace, and a root that followed a link that
 * owner put in place of `queue/tmp` (or of a file it just wrote there) would
 * hand over `/etc` or `/etc/shadow`.
 */
export async function giveTo(path: string, owner: FileOwner | null): Promise<void> {
  if (owner !== null) await loadedFs().promises.lchown(path, owner.uid, owner.gid);
}

/** {@link giveTo}, synchronously (for a step that must not yield). */
export function giveToSync(path: string, owner: FileOwner | null): void {
  if (owner !== null) loadedFs().lchownSync(path, owner.uid, owner.gid);
}

/**
 * Throws unless root may write into `dir` for `owner` (nothing to check when
 * `owner` is null): a symlink there that is not root's was put by the
 * spool's owner, and root writing through it would make a file of that
 * owner's in any folder (`queue/wake` -> `/etc/apt/apt.conf.d`: its commands
 * run as root at the next update). A link root made (an administrator's
 * `queue -> /srv/queue`) is followed. lstat, then use: the owner could still
 * swap a folder between the two; running the command as the spool's owner
 * (`sudo -u`) leaves nothing to swap.
 */
export function checkFolderToWrite(dir: string, owner: FileOwner | null): void {
  if (owner === null) return;
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(dir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return; // nothing there to write through (yet)
    throw error;
  }
  if (info.isSymlink && info.uid !== 0) throw new LinkedFolderError(dir);
}

/**
 * Makes `dirs` (each inside the one before, the first inside a folder that
 * is there), each checked before it is made: a `mkdir -p` of `queue/tmp`
 * through a `queue` that is the owner's symlink would make root's folders
 * wherever it leads.
 */
export async function makeFoldersToWrite(
  dirs: readonly string[],
  owner: FileOwner | null,
): Promise<void> {
  for (const dir of dirs) {
    checkFolderToWrite(dir, owner);
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  }
}

/** A folder root refused to write through (see `checkFolderToWrite`): a permission problem. */
export class LinkedFolderError extends Deno.errors.PermissionDenied {
  constructor(dir: string) {
    super(`${dir} is another user's symlink: run as root, nothing is written through it`);
  }
}
