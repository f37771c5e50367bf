/**
 * Folders an earlier version made under a spelling today's names no longer
 * reach, renamed at login to the spelling they now have, their
 * subscriptions with them, so no folder is left out of reach:
 * - `.inbox.X`, made for "inbox.X" before a mailbox name's INBOX level was
 *   read in any case (RFC 3501 5.1): "inbox.X" now means `.INBOX.X`;
 * - `.Gr&APw-&APw-e`, a name whose modified UTF-7 splits one run in two,
 *   taken before such names were refused (RFC 3501 5.1.3): it is now
 *   refused (NO [CANNOT]) and left out of LIST, and its one spelling is
 *   `Gr&APwA,A-e`.
 * One whose new name is taken stays as it is, logged.
 */
import { join } from "node:path";
import { INBOX } from "../mailbox/mod.ts";
import { changeFolders, updateSubscriptions } from "./account_setup.ts";
import { canonicalName, folderNameProblem } from "./folder_names.ts";
import { canonicalSpelling } from "./mutf7.ts";

/** A folder's name as today's names spell it (the name itself when it needs no change). */
export function presentSpelling(name: string): string {
  const spelt = canonicalSpelling(name);
  const respelt = canonicalName(spelt ?? name);
  // `.inbox` itself is a folder of its own, not INBOX (the account's root Maildir).
  const isUsable = respelt !== INBOX && folderNameProblem(respelt) === null;
  return respelt !== name && isUsable ? respelt : name;
}

/** Renames the account's folders spelt as an earlier version spelt them; returns what it did. */
export function adoptOldFolderSpellings(
  accountDir: string,
): Promise<{ renamed: { from: string; to: string }[]; taken: string[] }> {
  return changeFolders(accountDir, async () => {
    const renamed: { from: string; to: string }[] = [];
    const taken: string[] = [];
    for (const name of await oldSpellings(accountDir)) {
      const to = presentSpelling(name);
      const target = join(accountDir, "." + to);
      if (await Deno.lstat(target).then(() => true, () => false)) {
        taken.push(name);
        continue;
      }
      await Deno.rename(join(accountDir, "." + name), target);
      renamed.push({ from: name, to });
    }
    if (renamed.length > 0) {
      await updateSubscriptions(
        accountDir,
        (names) => names.map((name) => canonicalName(presentSpelling(name))),
      );
    }
    return { renamed, taken };
  });
}

/** Folder directories whose name is spelt otherwise today, by folder name. */
async function oldSpellings(accountDir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(accountDir)) {
      if (!entry.isDirectory || !entry.name.startsWith(".")) continue;
      const name = entry.name.slice(1);
      if (name === INBOX || name === "" || name.startsWith(".")) continue;
      if (presentSpelling(name) !== name) names.push(name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names;
}
