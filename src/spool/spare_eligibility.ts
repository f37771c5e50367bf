/**
 * Which files may carry the next message: a spare is written over in place,
 * so a file that another name, another user or a crash could still tie to
 * old mail must never become one.
 */
import { join } from "node:path";

/** A file of the pool, by its name in `queue/spare/`. */
export interface Spare {
  name: string;
  size: number;
  /** When it was parked holding bytes (for the linger limit), by performance.now(). */
  parkedAtMs?: number;
}

/**
 * The spares found in `dir` at start; every other file there is deleted.
 * Only an empty file with no other name is surely a spare. After a crash
 * (spare/ is never fsynced) a spare/ name can survive next to the name the
 * file was linked or renamed to (a queued or delivered message), and a
 * parked file that still holds bytes may be one whose old name's removal
 * never reached the disk. Either is dropped here, never reused.
 */
export async function scanSpares(dir: string): Promise<Spare[]> {
  const spares: Spare[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile) continue;
    const path = join(dir, entry.name);
    const info = await Deno.lstat(path).catch(() => null);
    if (info === null) continue;
    if (info.size === 0 && info.nlink === 1) spares.push({ name: entry.name, size: 0 });
    else await Deno.remove(path).catch(() => {});
  }
  return spares;
}

/** Our uid, or null where it cannot be known (no --allow-sys, Windows). */
const OWN_UID = (() => {
  try {
    return Deno.uid();
  } catch {
    return null;
  }
})();

/**
 * Whether a file is ours and unreadable to others: only such a file may
 * carry the next message. One dropped into a Maildir by another user or
 * tool (another owner, a looser mode) is deleted, never reused.
 */
export function isPrivateToUs(info: Deno.FileInfo): boolean {
  if (OWN_UID !== null && info.uid !== null && info.uid !== OWN_UID) return false;
  return info.mode === null || (info.mode & 0o077) === 0;
}
