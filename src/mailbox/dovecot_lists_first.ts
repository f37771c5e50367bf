/**
 * Dovecot's lists taken before a DELETE or RENAME raises the account's
 * UIDVALIDITY floor (uid_validity_floor.ts). A `dovecot-uidlist` is taken
 * only while its UIDVALIDITY is above that floor (dovecot_uids.ts), and
 * Dovecot's UIDVALIDITYs are the times its folders were made: a folder made
 * here and deleted, or any folder renamed, raised the floor above every list
 * not yet taken, and the folders copied in from Dovecot that were not opened
 * yet (a renamed one by its own value) were numbered anew at their first
 * listing, their clients' caches lost. Taken first, each keeps its UIDs in an
 * index of ours, which the floor does not touch.
 */
import { join } from "node:path";
import { DOVECOT_UIDLIST_FILE } from "./dovecot_uidlist.ts";
import { folderDir, INBOX } from "./folder_dir.ts";
import { listFolders } from "./folders.ts";
import { UID_LIST_FILE } from "./uid_list.ts";

/** The account's folders (INBOX too) with a `dovecot-uidlist` and no index of ours yet. */
export async function foldersWithUntakenDovecotList(root: string): Promise<string[]> {
  const found: string[] = [];
  for (const folder of [INBOX, ...await listFolders(root)]) {
    const dir = folderDir(root, folder);
    const list = await Deno.stat(join(dir, DOVECOT_UIDLIST_FILE)).catch(() => null);
    const ours = await Deno.lstat(join(dir, UID_LIST_FILE)).catch(() => null);
    if (list?.isFile && ours === null) found.push(folder);
  }
  return found;
}
