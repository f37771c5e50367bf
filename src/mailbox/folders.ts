/**
 * Folder housekeeping for an account's Maildir++ tree (IMAP LIST, DELETE,
 * RENAME): folders are the directories `.<name>` next to INBOX's tmp/new/cur,
 * levels separated by ".". Names are checked by `folderDir`, so none can
 * leave the account's directory.
 */
import { join } from "node:path";
import type { Logger } from "../log/mod.ts";
import { folderDir, INBOX } from "./folder_dir.ts";
import { FolderError } from "./mailbox_types.ts";
import { raiseUidValidityFloor } from "./uid_validity_floor.ts";

/** The names of every folder of the account (without INBOX), sorted. */
export async function listFolders(accountDir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(accountDir)) {
      if (!entry.isDirectory || !entry.name.startsWith(".") || entry.name.length < 2) continue;
      const name = entry.name.slice(1);
      try {
        folderDir(accountDir, name);
      } catch {
        continue;
      }
      const cur = await Deno.stat(join(accountDir, entry.name, "cur")).catch(() => null);
      if (cur?.isDirectory) names.push(name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names.sort();
}

/** Whether the folder exists (INBOX always does). */
export async function folderExists(accountDir: string, folder: string): Promise<boolean> {
  if (folder.toUpperCase() === INBOX) return true;
  const info = await Deno.stat(join(folderDir(accountDir, folder), "cur")).catch(() => null);
  return info?.isDirectory === true;
}

/**
 * The name prefix of a folder being deleted (renamed aside, beside the
 * folders; never a folder name, which starts with "."). One a crash left is
 * removed at the next start (delivery/maildir_sweep.ts).
 */
export const DELETED_FOLDER_PREFIX = "pillarbox-deleted-";

/**
 * Deletes a folder and its messages. It is first renamed aside (atomic for
 * readers), then removed. Its subfolders stay.
 */
export async function deleteFolder(
  accountDir: string,
  folder: string,
  options: { log?: Logger } = {},
): Promise<void> {
  if (folder.toUpperCase() === INBOX) throw new FolderError("INBOX cannot be deleted", "refused");
  const dir = folderDir(accountDir, folder);
  if (!(await folderExists(accountDir, folder))) {
    throw new FolderError(`Folder "${folder}" does not exist`);
  }
  // Its UIDVALIDITY is kept: a folder made again under this name must get a greater one.
  await keepUidValidities(accountDir, [dir], options.log);
  const aside = join(accountDir, `${DELETED_FOLDER_PREFIX}${Date.now()}-${crypto.randomUUID()}`);
  await Deno.rename(dir, aside);
  await Deno.remove(aside, { recursive: true });
}

/** Renames a folder and its subfolders ("a" -> "b" moves "a.x" to "b.x" too). */
export async function renameFolder(
  accountDir: string,
  names: { from: string; to: string },
  options: { log?: Logger } = {},
): Promise<void> {
  const { from, to } = names;
  if (from.toUpperCase() === INBOX || to.toUpperCase() === INBOX) {
    throw new FolderError("INBOX cannot be renamed", "refused");
  }
  const fromDir = folderDir(accountDir, from);
  const toDir = folderDir(accountDir, to);
  if (!(await folderExists(accountDir, from))) {
    throw new FolderError(`Folder "${from}" does not exist`);
  }
  if (await folderExists(accountDir, to)) {
    throw new FolderError(`Folder "${to}" already exists`, "exists");
  }
  if (to.startsWith(from + ".")) {
    throw new FolderError("A folder cannot move into itself", "refused");
  }
  const children = (await listFolders(accountDir)).filter((name) => name.startsWith(from + "."));
  // Every new name is checked before anything moves, so a refusal leaves the tree as it was.
  const moves: [string, string][] = [[fromDir, toDir]];
  for (const child of children) {
    const target = to + child.slice(from.length);
    const targetDir = folderDir(accountDir, target);
    if (await folderExists(accountDir, target)) {
      throw new FolderError(`Folder "${target}" already exists`, "exists");
    }
    moves.push([folderDir(accountDir, child), targetDir]);
  }
  // The names left free may be made again: each needs a greater UIDVALIDITY than its old one.
  await keepUidValidities(accountDir, moves.map(([oldDir]) => oldDir), options.log);
  for (const [oldDir, newDir] of moves) await Deno.rename(oldDir, newDir);
}

/**
 * Raises the account's UIDVALIDITY floor to the folders' (see
 * uid_validity_floor.ts). A failure (a full disk) is logged, not thrown:
 * DELETE is how a user on a full disk makes room, and the floor only
 * guards a folder made again under the same name later.
 */
async function keepUidValidities(
  accountDir: string,
  dirs: readonly string[],
  log: Logger | undefined,
): Promise<void> {
  try {
    await raiseUidValidityFloor(accountDir, dirs);
  } catch (error) {
    log?.warn("mailbox.uidvalidity_floor_failed", {
      dir: accountDir,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
