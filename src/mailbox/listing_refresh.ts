/**
 * Bringing a mailbox's listing up to date with its Maildir: cheap when the
 * folders' stamp (their mtimes) is unchanged, a settled scan otherwise.
 */
import type { MailboxParts } from "./mailbox_parts.ts";
import { type DirStamp, dirStamp, type FoundFile, scanMaildir } from "./scan.ts";
import { applyScan, relabelKeywords, takeListing } from "./scan_apply.ts";
import { scanSettled, type SettledScan } from "./scan_settle.ts";

/** A directory mtime this close to now (or later) may hide a change made in the same tick. */
const RECENT_MTIME_MS = 1000;
/**
 * How long after a whole listing our own changes to `cur/` may keep its
 * stamp trusted (see `keepCurTrusted`); past it, the next change of `cur/`
 * is listed whole again.
 */
const OWN_CHANGE_TRUST_MS = 60_000;

/** What a mailbox remembers between refreshes. */
export interface ListingState {
  /** The folders' stamp at the last scan. */
  stamp: string;
  /** The next refresh must list both folders, whatever the stamp says. */
  isDirty: boolean;
  /** The next refresh must list `new/` at least (a delivery went there). */
  isNewDirty: boolean;
  /**
   * `cur/`'s stamp when the table last matched it for sure (a settled
   * listing, the mtime old enough to trust): while `cur/` keeps it, only
   * `new/` needs listing. Null: list `cur/` too.
   */
  curStamp: string | null;
  /** When the last whole listing that set `curStamp` began (wall clock, ms). */
  listedWholeMs: number;
  /**
   * `curStamp` was taken after a change of ours (`keepCurTrusted`), not by a
   * listing: it may hide another program's change made in the same moment,
   * so it is trusted only until `OWN_CHANGE_TRUST_MS` after `listedWholeMs`.
   */
  isCurStampOurs: boolean;
  /** The table holds a listing: a file it lacks is new, even if the index knew its name. */
  isListed: boolean;
}

/** The state of a mailbox never listed. */
export function unlistedState(): ListingState {
  return {
    stamp: "",
    isDirty: true,
    isNewDirty: true,
    curStamp: null,
    listedWholeMs: 0,
    isCurStampOurs: false,
    isListed: false,
  };
}

/**
 * Scans when the stamp changed or the state is dirty, and takes the result
 * into the table (lock held). When only `new/` changed since a sound
 * listing (a delivery), only `new/` is listed: after each delivery into a
 * folder of 100,000 read messages, 15-35 ms instead of 800-900. "removed" when the
 * Maildir is gone from disk, or was removed and made again (its UIDs
 * describe nothing there).
 */
export async function refreshListing(
  parts: MailboxParts,
  state: ListingState,
  options: { onUnreachable: (path: string) => void },
): Promise<"current" | "removed"> {
  const now = Date.now(); // compared with directory mtimes: the wall clock
  const dirs = await dirStamp(parts.dir);
  if (dirs === null) return "removed";
  // A stamp our own changes kept trusted is listed whole once its minute is
  // over, even if nothing changed since: what it hid shows then at the latest.
  const isOwnTrustOver = state.isCurStampOurs &&
    now - state.listedWholeMs >= OWN_CHANGE_TRUST_MS;
  const isStale = state.isDirty || parts.index.isStale || isOwnTrustOver;
  // A keyword file another program rewrote, read before a change of ours (define).
  relabelKeywords(parts);
  if (!isStale && !state.isNewDirty && dirs.key === state.stamp) return "current";
  if (await parts.index.isFileGone()) return "removed";
  // Another program (Dovecot, a Maildir copied in) may have given out letters since: the
  // files about to be listed can carry them.
  await parts.keywords.reloadIfChanged();
  relabelKeywords(parts);
  const isNewOnly = !isStale && state.isListed && dirs.curKey === state.curStamp;
  // Directory mtimes tick coarsely: a change within the same tick as this
  // scan would leave them as they are, so a recent mtime lists again next time.
  const isCurRecent = dirs.curMs >= now - RECENT_MTIME_MS;
  state.isDirty = isCurRecent;
  state.isNewDirty = dirs.newMs >= now - RECENT_MTIME_MS;
  state.stamp = dirs.key;
  state.curStamp = null; // until this listing proves sound
  let listedNewOnly = false;
  let scan: SettledScan | null = null;
  try {
    if (isNewOnly) scan = await scanNewOnly(parts, dirs, options);
    listedNewOnly = scan !== null;
    if (!listedNewOnly) state.isCurStampOurs = false;
    scan ??= await scanSettled(parts.dir, {
      known: () => parts.table.values(),
      stampKey: dirs.key,
      onUnreachable: options.onUnreachable,
    });
  } catch (error) {
    // Not listed after all (EIO, out of descriptors): the next refresh must list again, or
    // what changed before this one stays unseen until the folder changes once more.
    state.isDirty = true;
    throw error;
  }
  if (!scan.isSettled) state.isDirty = true;
  else if (listedNewOnly) {
    // cur/ was not listed and kept the stamp trusted before: a recent mtime there is our
    // own change's (see keepCurTrusted), and taking it as dirty would list cur/ whole
    // at the next refresh after every STORE, EXPUNGE, APPEND, COPY or MOVE of ours.
    state.isDirty = false;
    state.curStamp = dirs.curKey;
  } else if (!isCurRecent) {
    state.curStamp = dirs.curKey;
    state.listedWholeMs = now;
  }
  await takeListing(parts, {
    found: scan.found,
    isNewOnly: listedNewOnly,
    isListedBefore: state.isListed,
    onMatched: () => state.isListed = true,
  });
  return "current";
}

/**
 * Lists `new/` alone, for a table that matches `cur/` as stamped in `dirs`;
 * null when `cur/` changed meanwhile (a message moved there while `new/`
 * was listed would look expunged), or when a message the table has in
 * `new/` is not there (another program moved or deleted it): the caller
 * lists both.
 */
async function scanNewOnly(
  parts: MailboxParts,
  dirs: DirStamp,
  options: { onUnreachable: (path: string) => void },
): Promise<SettledScan | null> {
  const scan = await scanSettled(parts.dir, {
    known: () => newEntries(parts),
    stampKey: dirs.key,
    onUnreachable: options.onUnreachable,
    isNewOnly: true,
  });
  for (const entry of newEntries(parts)) if (!scan.found.has(entry.base)) return null;
  const after = await dirStamp(parts.dir);
  return after !== null && after.curKey === dirs.curKey ? scan : null;
}

/**
 * Runs `change`, an operation of ours on this folder's `cur/` (lock held:
 * STORE, EXPUNGE, APPEND, COPY or MOVE into it or out of it, the move of
 * claimed messages out of `new/`), and
 * keeps `cur/`'s stamp trusted across it when it was trusted before and
 * nobody else had changed `cur/`: the table follows our own changes, so an
 * IDLE session's folder needs no whole listing at the next delivery. A
 * change another program makes while ours runs (or in the same tick of the
 * file system's clock) goes unseen until the next whole listing, which
 * `refreshListing` makes at most `OWN_CHANGE_TRUST_MS` after the last one.
 */
export async function keepCurTrusted<T>(
  dir: string,
  state: ListingState,
  change: () => Promise<T>,
): Promise<T> {
  const trusted = state.curStamp;
  const isTrusted = trusted !== null && Date.now() - state.listedWholeMs < OWN_CHANGE_TRUST_MS;
  const before = isTrusted ? await dirStamp(dir) : null;
  const result = await change();
  if (before === null || before.curKey !== trusted || state.curStamp !== trusted) return result;
  const after = await dirStamp(dir);
  if (after === null) return result;
  state.curStamp = after.curKey;
  state.isCurStampOurs = true;
  return result;
}

function* newEntries(parts: MailboxParts): Generator<FoundFile> {
  for (const entry of parts.table.values()) if (entry.isNew) yield entry;
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
