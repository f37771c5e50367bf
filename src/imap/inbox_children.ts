/**
 * Folders made for "inbox.X" before a mailbox name's INBOX level was read in
 * any case (RFC 3501 5.1) sit on disk as `.inbox.X`, which the name no longer
 * opens (it means `.INBOX.X`). At login they are renamed to that spelling,
 * their subscriptions with them, so no folder is left out of reach; one whose
 * new name is taken stays as it is, logged.
 */
import { join } from "node:path";
import { INBOX } from "../mailbox/mod.ts";
import { changeFolders, updateSubscriptions } from "./account_setup.ts";
import { canonicalName } from "./folder_names.ts";

/** Renames the account's folders named below a differently spelt INBOX; returns what it did. */
export function adoptInboxChildren(
  accountDir: string,
): Promise<{ renamed: string[]; taken: string[] }> {
  return changeFolders(accountDir, async () => {
    const renamed: string[] = [];
    const taken: string[] = [];
    for (const name of await strayInboxChildren(accountDir)) {
      const target = join(accountDir, "." + canonicalName(name));
      if (await Deno.lstat(target).then(() => true, () => false)) {
        taken.push(name);
        continue;
      }
      await Deno.rename(join(accountDir, "." + name), target);
      renamed.push(name);
    }
    if (renamed.length > 0) {
      await updateSubscriptions(accountDir, (names) => names.map(canonicalName));
    }
    return { renamed, taken };
  });
}

/** Folder directories `.inbox.X` (any spelling of INBOX but "INBOX"), by folder name. */
async function strayInboxChildren(accountDir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(accountDir)) {
      if (!entry.isDirectory || !entry.name.startsWith(".")) continue;
      const name = entry.name.slice(1);
      const first = name.split(".", 1)[0] as string;
      if (first !== INBOX && first.toUpperCase() === INBOX && name.length > first.length) {
        names.push(name);
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names;
}
