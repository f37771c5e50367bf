/**
 * Start-up clean-up of Maildir `tmp/` folders. A delivery interrupted by a
 * crash leaves its half-done file in `tmp/`; the message itself is still in
 * the queue and is delivered again, so the leftover is garbage. Run before
 * any delivery or mailbox session starts: nothing of ours can be writing then.
 * Other programs share these Maildirs (an MDA writes its file in `tmp/`, then
 * renames it into `new/`), and one may be writing now: their files go only
 * once they have not been touched for 36 hours (maildir(5)). Our own files
 * beside the folders (the UID index, the keywords, subscriptions and UIDVALIDITY floor files)
 * are replaced by writing `<name>.tmp-<hex>` and renaming it over: a crash
 * in between leaves that copy, which nothing else would ever remove. So
 * does a folder whose IMAP DELETE was cut short after renaming it aside
 * (`pillarbox-deleted-...`): nobody sees it any more, but its messages would
 * stay on disk for good.
 */
import { basename, join } from "node:path";
import {
  DELETED_FOLDER_PREFIX,
  isOwnMaildirName,
  KEYWORDS_FILE,
  UID_LIST_FILE,
  UID_VALIDITY_FLOOR_FILE,
} from "../mailbox/mod.ts";

/** A replacement of one of our files cut short (writeFileAtomic's `.tmp-` + 12 hex digits). */
const OUR_HALF_REPLACED = new RegExp(
  `^(?:${UID_LIST_FILE}|${KEYWORDS_FILE}|pillarbox-subscriptions|${UID_VALIDITY_FLOOR_FILE})\\.tmp-[0-9a-f]{12}$`,
);

/** maildir(5): "delete any files that haven't been accessed in 36 hours". */
const STALE_TMP_MS = 36 * 3600 * 1000;

/**
 * Removes our leftovers in `<spoolDir>/mail/<domain>/<local>/tmp/` and in
 * the `tmp/` of its Maildir++ folders (`.<folder>/tmp/`, where IMAP APPEND
 * writes), and other programs' files there that are stale, half-replaced
 * copies of our own files beside them, and folders a DELETE left renamed
 * aside; returns how many.
 */
export async function sweepMaildirTmp(spoolDir: string, nowMs = Date.now()): Promise<number> {
  let removed = 0;
  for (const domain of await subdirectories(join(spoolDir, "mail"))) {
    for (const local of await subdirectories(domain)) {
      const subdirs = await subdirectories(local);
      removed += await sweepDeletedFolders(subdirs);
      const folders = subdirs.filter((dir) => basename(dir).startsWith("."));
      for (const dir of [local, ...folders]) {
        removed += await sweepTmp(join(dir, "tmp"), nowMs);
        removed += await sweepHalfReplaced(dir);
      }
    }
  }
  return removed;
}

async function sweepTmp(tmp: string, nowMs: number): Promise<number> {
  let removed = 0;
  for (const name of await fileNames(tmp)) {
    const path = join(tmp, name);
    if (!isOwnMaildirName(name) && !(await isStale(path, nowMs))) continue;
    await Deno.remove(path).then(() => removed++, () => {});
  }
  return removed;
}

/** Finishes deletes a crash cut short: a folder renamed aside goes with all it holds. */
async function sweepDeletedFolders(subdirs: readonly string[]): Promise<number> {
  let removed = 0;
  for (const dir of subdirs) {
    if (!basename(dir).startsWith(DELETED_FOLDER_PREFIX)) continue;
    await Deno.remove(dir, { recursive: true }).then(() => removed++, () => {});
  }
  return removed;
}

async function sweepHalfReplaced(dir: string): Promise<number> {
  let removed = 0;
  for (const name of await fileNames(dir)) {
    if (!OUR_HALF_REPLACED.test(name)) continue;
    await Deno.remove(join(dir, name)).then(() => removed++, () => {});
  }
  return removed;
}

/** Whether the file was neither read nor written for 36 hours (false if it is gone). */
async function isStale(path: string, nowMs: number): Promise<boolean> {
  const info = await Deno.stat(path).catch(() => null);
  if (info === null) return false;
  const touchedMs = Math.max(info.atime?.getTime() ?? 0, info.mtime?.getTime() ?? 0);
  return nowMs - touchedMs > STALE_TMP_MS;
}

async function subdirectories(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isDirectory) out.push(join(dir, entry.name));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out;
}

async function fileNames(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) if (entry.isFile) out.push(entry.name);
  } catch (error) {
    // A file where one mailbox's tmp/ belongs has nothing to sweep: that mailbox's
    // deliveries fail (and say why) until it is mended; nobody else's mail waits.
    if (error instanceof Deno.errors.NotADirectory) return out;
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out;
}
