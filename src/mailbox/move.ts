/**
 * Moving messages between two Maildirs of one account (IMAP MOVE, RFC 6851)
 * without a moment in which a message is in both or in neither: each file
 * goes with one rename(2) from the source's `new/` or `cur/` into the
 * destination's `cur/`, under a fresh base name that carries its flags and
 * keywords (as the destination numbers them). Then the destination's `cur/`
 * (and the source folders) are fsynced once, the destination's UID list
 * records the new names, and the source forgets the old UIDs.
 *
 * After a crash between the renames and the UID list, the destination's next
 * scan finds names it does not know and gives them new UIDs, and the
 * source's finds its files gone and drops them: still one copy of each.
 */
import { dirname, join } from "node:path";
import { syncDir } from "../spool/mod.ts";
import type { MailboxParts } from "./mailbox_parts.ts";
import { CrossDeviceError } from "./mailbox_types.ts";
import { withWireSize } from "./line_ends.ts";
import { maildirName } from "./maildir.ts";
import { measureFile } from "./served_reads.ts";
import { changeLetters, curName } from "./message_name.ts";
import { type Entry, makeEntry } from "./message_table.ts";

/**
 * What a move did: `sourceUids[i]` became `destinationUids[i]` (COPYUID, RFC
 * 4315); `droppedKeywords` found no free letter in the destination.
 */
export interface MoveResult {
  sourceUids: number[];
  destinationUids: number[];
  droppedKeywords: string[];
}

/** A file moved by this command: where it was, where it is and under which names. */
interface Moved {
  entry: Entry;
  from: string;
  to: string;
  base: string;
  fileName: string;
  letters: string;
  sizes: Pick<Entry, "sizeBytes" | "storedBytes" | "lineEnds">;
}

/**
 * The sizes a moved file's new name carries: the listing's, or for another
 * program's file not yet counted, counted now (its name will be ours, and
 * ours say how they are served); null when the file is gone.
 */
async function sizesToName(entry: Entry, path: string): Promise<Moved["sizes"] | null> {
  if (entry.lineEnds !== "unmeasured") return entry;
  try {
    return await measureFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/**
 * Moves the messages `uids` (in that order; gone ones are skipped) from
 * `source` to `destination`. The caller holds both locks. On failure every
 * file is put back where it was and the error is thrown: nothing moved.
 */
export async function moveMessages(
  source: MailboxParts,
  destination: MailboxParts,
  options: { uids: readonly number[]; origin: unknown },
): Promise<MoveResult> {
  const { entries, droppedKeywords, letterOf } = await prepareTransfer(
    source,
    destination,
    options.uids,
  );
  const moved: Moved[] = [];
  let uids: number[];
  const findAgain = source.findAgain();
  try {
    for (const listed of entries) {
      // The table's entry: a rescan for an earlier message may have found this one renamed.
      let entry = source.table.get(listed.uid);
      while (entry !== undefined) {
        const from = join(source.dir, entry.isNew ? "new" : "cur", entry.fileName);
        const sizes = await sizesToName(entry, from);
        if (sizes === null) {
          entry = await findAgain(entry.uid);
          continue;
        }
        // A file with bare LFs keeps being served with CRLF: its new name carries `,W=`.
        const stored = maildirName(destination.hostname, sizes.storedBytes, entry.internalDateMs);
        const base = withWireSize(stored, sizes);
        const letters = changeLetters(
          entry.letters,
          { replace: [...entry.flags, ...entry.keywords] },
          letterOf,
        );
        const fileName = curName(base, letters);
        const to = join(destination.dir, "cur", fileName);
        if (await renameMessage(from, to)) {
          moved.push({ entry, from, to, base, fileName, letters, sizes });
          break;
        }
        // Gone, or renamed by another MUA (a flag change) since the source's last scan.
        entry = await findAgain(entry.uid);
      }
    }
    if (moved.length > 0) {
      const dirs = new Set([join(destination.dir, "cur")]);
      for (const { entry } of moved) dirs.add(join(source.dir, entry.isNew ? "new" : "cur"));
      await Promise.all([...dirs].map((dir) => syncDir(dir)));
    }
    uids = await destination.index.assign(moved.map((file) => file.base));
  } catch (error) {
    await putBack(moved, source);
    throw error;
  }
  const result = await commit(source, destination, { moved, uids, origin: options.origin });
  return { ...result, droppedKeywords };
}

/**
 * For a MOVE or COPY: the entries of `uids` the source still lists, their
 * keywords given letters in the destination first. A keyword the
 * destination has no letter left for stays behind, not the message: a MUA
 * deletes by moving to Trash (RFC 3501 6.4.7 asks flags to be kept only as
 * a SHOULD); `droppedKeywords` names them.
 */
export async function prepareTransfer(
  source: MailboxParts,
  destination: MailboxParts,
  uids: readonly number[],
): Promise<{
  entries: Entry[];
  droppedKeywords: string[];
  letterOf: (name: string) => string | null;
}> {
  const entries: Entry[] = [];
  for (const uid of uids) {
    const entry = source.table.get(uid);
    if (entry !== undefined) entries.push(entry);
  }
  const droppedKeywords = await destination.keywords.define(
    entries.flatMap((entry) => entry.keywords),
    { keepWhatFits: true },
  );
  return { entries, droppedKeywords, letterOf: (name) => destination.keywords.letterOf(name) };
}

/**
 * Renames one message file; false when it is gone (expunged or renamed by
 * another process). A name that is no regular file is refused, and a
 * destination folder removed meanwhile fails the move.
 */
async function renameMessage(from: string, to: string): Promise<boolean> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(from);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
  // rename(2) would move a directory too, into a folder where it is no message.
  if (!info.isFile) throw new Error(`Cannot move "${from}": not a regular file`);
  try {
    await Deno.rename(from, to);
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === "EXDEV") throw new CrossDeviceError(from, to);
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    await Deno.lstat(dirname(to)); // throws NotFound when the destination is what went
    return false;
  }
}

/** Undoes the renames of a failed move (a file that cannot go back is adopted by the destination). */
async function putBack(moved: readonly Moved[], source: MailboxParts): Promise<void> {
  for (const file of moved) {
    try {
      await Deno.rename(file.to, file.from);
    } catch (error) {
      source.markDirty();
      source.log.error("mailbox.move_undo_failed", {
        from: file.to,
        to: file.from,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

/** The files are moved and recorded: the listings and listeners catch up. */
async function commit(
  source: MailboxParts,
  destination: MailboxParts,
  done: { moved: readonly Moved[]; uids: readonly number[]; origin: unknown },
): Promise<Omit<MoveResult, "droppedKeywords">> {
  const added: Entry[] = [];
  const sourceUids: number[] = [];
  for (const [i, file] of done.moved.entries()) {
    const entry = makeEntry(file.entry, {
      uid: done.uids[i] as number,
      base: file.base,
      fileName: file.fileName,
      letters: file.letters,
      isNew: false,
      sizeBytes: file.sizes.sizeBytes,
      storedBytes: file.sizes.storedBytes,
      lineEnds: file.sizes.lineEnds,
    }, destination.keywordNames);
    destination.table.append(entry); // new UIDs are the highest: they sort last
    if (source.reads.has(file.entry.base)) {
      // A reader of the old name still has the file open: the destination must not
      // recycle it (write a spare over it) before that reader is done.
      const readDone = source.reads.whenIdle(file.entry.base);
      void destination.reads.around(file.base, () => readDone);
    }
    added.push(entry);
    source.table.delete(file.entry.uid);
    sourceUids.push(file.entry.uid);
  }
  if (sourceUids.length > 0) {
    source.table.invalidateOrder();
    // The move stands even if this fails: the moved lines stay until a later compaction.
    await source.index.compactIfNeeded(source.table.size, () => source.table.bases());
  }
  destination.arrivals.note(done.uids);
  destination.events.emit({ kind: "added", messages: added });
  source.events.emit({ kind: "expunged", uids: sourceUids, origin: done.origin });
  return { sourceUids, destinationUids: [...done.uids] };
}
