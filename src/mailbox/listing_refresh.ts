/**
 * Bringing a mailbox's listing up to date with its Maildir: cheap when the
 * folders' stamp (their mtimes) is unchanged, a settled scan otherwise.
 */
import type { MailboxParts } from "./mailbox_parts.ts";
import { dirStamp, type FoundFile, scanMaildir } from "./scan.ts";
import { applyScan, takeListing } from "./scan_apply.ts";
import { scanSettled } from "./scan_settle.ts";

/** A directory mtime this close to now (or later) may hide a change made in the same tick. */
const RECENT_MTIME_MS = 1000;

/** What a mailbox remembers between refreshes. */
export interface ListingState {
  /** The folders' stamp at the last scan. */
  stamp: string;
  /** The next refresh must scan, whatever the stamp says. */
  isDirty: boolean;
  /** The table holds a listing: a file it lacks is new, even if the index knew its name. */
  isListed: boolean;
}

/**
 * Scans when the stamp changed or the state is dirty, and takes the result
 * into the table (lock held). "removed" when the Maildir is gone from disk,
 * or was removed and made again (its UIDs describe nothing there).
 */
export async function refreshListing(
  parts: MailboxParts,
  state: ListingState,
  options: { onUnreachable: (path: string) => void },
): Promise<"current" | "removed"> {
  const now = Date.now(); // compared with directory mtimes: the wall clock
  const dirs = await dirStamp(parts.dir);
  if (dirs === null) return "removed";
  const { key: stamp, newestMs } = dirs;
  if (!state.isDirty && !parts.index.isStale && stamp === state.stamp) return "current";
  if (await parts.index.isFileGone()) return "removed";
  // Directory mtimes tick coarsely: a change within the same tick as this
  // scan would leave them as they are, so a recent mtime rescans next time.
  state.isDirty = newestMs >= now - RECENT_MTIME_MS;
  state.stamp = stamp;
  let scan;
  try {
    scan = await scanSettled(parts.dir, {
      known: () => parts.table.values(),
      stampKey: stamp,
      onUnreachable: options.onUnreachable,
    });
  } catch (error) {
    // Not listed after all (EIO, out of descriptors): the next refresh must list again, or
    // what changed before this one stays unseen until the folder changes once more.
    state.isDirty = true;
    throw error;
  }
  if (!scan.isSettled) state.isDirty = true;
  await takeListing(parts, {
    found: scan.found,
    isListedBefore: state.isListed,
    onMatched: () => state.isListed = true,
  });
  return "current";
}

/**
 * For an instance the registry replaced (its Maildir or UID index removed by
 * hand, its folder deleted or renamed), which a POP3 session may still hold:
 * finds its messages again by base name, where another session renamed them
 * (IMAP moved them to cur/ or changed their flags), and drops those gone. It
 * numbers nothing: the index at this path is the new instance's.
 */
export async function relistReplaced(
  parts: MailboxParts,
  options: { onUnreachable: (path: string) => void },
): Promise<void> {
  let found: Map<string, FoundFile>;
  try {
    found = await scanMaildir(parts.dir, options.onUnreachable);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    found = new Map(); // the folder itself is gone
  }
  applyScan(parts.table, found, parts.keywordNames);
  parts.table.invalidateOrder();
}
