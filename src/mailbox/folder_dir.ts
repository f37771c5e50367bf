/** Where a folder of an account lives: its Maildir++ directory. */
import { join } from "node:path";
import { FolderError } from "./mailbox_types.ts";

/** The folder name meaning the account's root Maildir. */
export const INBOX = "INBOX";

/**
 * The directory of `folder` under an account's Maildir: INBOX is the root,
 * any other folder the Maildir++ subfolder `.<folder>` ("." separates
 * levels: "Archive.2024"). Throws `FolderError` for names that could leave
 * the account's directory or break the layout.
 */
export function folderDir(root: string, folder: string): string {
  if (folder.toUpperCase() === INBOX) return root;
  const isSafe = folder.length <= 255 && !/[\/\\\x00-\x1f\x7f]/.test(folder) &&
    folder.split(".").every((level) => level !== "");
  if (!isSafe) throw new FolderError(`Folder name "${folder}" is not allowed`, "refused");
  return join(root, "." + folder);
}
