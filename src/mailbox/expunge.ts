/**
 * Expunge: messages deleted for good, their files unlinked or recycled as
 * spares, then both folders synced and the UID index compacted when due. A
 * file another mail client renamed since the last scan is found again and
 * removed too. Runs under the mailbox's lock (`Mailbox.expunge`).
 */
import { join } from "node:path";
import { syncDir } from "../spool/mod.ts";
import type { MailboxParts } from "./mailbox_parts.ts";

/**
 * Removes `uids`; returns the UIDs removed. If a removal (or the folders'
 * sync) fails, the error is thrown, but only after the messages already
 * removed are announced: their files are gone, and a session that never
 * heard their EXPUNGE would go on numbering them (a FETCH of one answered
 * NO for as long as it stays selected).
 */
export async function expungeMessages(
  parts: MailboxParts,
  request: { uids: readonly number[]; origin: unknown },
): Promise<number[]> {
  const removed: number[] = [];
  try {
    await removeEach(parts, request.uids, removed);
    if (removed.length > 0) {
      await Promise.all([syncDir(join(parts.dir, "cur")), syncDir(join(parts.dir, "new"))]);
    }
  } finally {
    if (removed.length > 0) parts.table.invalidateOrder();
    parts.events.emit({ kind: "expunged", uids: removed, origin: request.origin });
  }
  if (removed.length > 0) {
    await parts.index.compactIfNeeded(parts.table.size, () => parts.table.bases());
  }
  return removed;
}

/** Removes each message's file, noting every UID whose file is gone in `removed`. */
async function removeEach(
  parts: MailboxParts,
  uids: readonly number[],
  removed: number[],
): Promise<void> {
  const found = parts.findAgain();
  for (const uid of uids) {
    let entry = parts.table.get(uid);
    if (entry === undefined) continue;
    while (entry !== undefined) {
      try {
        const path = join(parts.dir, entry.isNew ? "new" : "cur", entry.fileName);
        // A file being read is never recycled (a spare is written over in place).
        if (parts.reads.has(entry.base)) await Deno.remove(path);
        else await parts.removeFile(path);
        break;
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
        // Gone, or renamed by another MUA since our last scan: then it must go too.
        entry = await found(uid);
      }
    }
    parts.table.delete(uid);
    removed.push(uid);
  }
}
