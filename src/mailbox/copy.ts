/**
 * Copying messages into a mailbox of the same account (IMAP COPY, and MOVE's
 * copy-then-expunge fallback) as one change of the destination: the caller
 * holds both mailboxes' locks for the whole copy, so no DELETE or RENAME of
 * the destination can come between two messages (which left the copies made
 * so far in the renamed folder while COPY answered NO).
 *
 * Each message is read from the source and written durably to the
 * destination's `tmp/`; only when all are there are they renamed into
 * `cur/` under names carrying their flags, `cur/` is fsynced once and the
 * UID index records them all. A failure before that removes every file
 * made: the destination is as it was (RFC 9051 6.4.7), no UID is told and no
 * listener hears of them. Kept in `tmp/` until then, the copies are never
 * found by a rescan of the source (a copy into the folder itself), which
 * would number them twice. After a crash a copy in `cur/` but not yet in
 * the index is found by the next scan: a duplicate copy, never a lost one.
 */
import { join } from "node:path";
import { BIG_FILE_BYTES, readWholeFile, syncDir, writeFileDurably } from "../spool/mod.ts";
import type { MailboxParts } from "./mailbox_parts.ts";
import { CrlfLines, type LineEnds, withWireSize } from "./line_ends.ts";
import { maildirName } from "./maildir.ts";
import { changeLetters, curName } from "./message_name.ts";
import { type Entry, makeEntry } from "./message_table.ts";
import { type MoveResult, prepareTransfer } from "./move.ts";

/** One copy made by this command: its source entry, its file in `tmp/` and its name in `cur/`. */
interface Made {
  entry: Entry;
  base: string;
  tmp: string;
  fileName: string;
  letters: string;
  sizeBytes: number;
  storedBytes: number;
  lineEnds: LineEnds;
  internalDateMs: number;
  isInCur: boolean;
}

/** The sizes of a copy of `entry`'s file (`bytes`, as stored), and how it is served. */
function servedSizes(
  entry: Entry,
  bytes: Uint8Array,
): { sizeBytes: number; storedBytes: number; lineEnds: LineEnds } {
  if (entry.lineEnds === "crlf") {
    return { sizeBytes: bytes.length, storedBytes: bytes.length, lineEnds: "crlf" };
  }
  const lines = new CrlfLines();
  lines.count(bytes);
  const sizeBytes = bytes.length + lines.addedBytes;
  return { sizeBytes, storedBytes: bytes.length, lineEnds: lines.addedBytes > 0 ? "lf" : "crlf" };
}

/**
 * Copies the messages `uids` (in that order; gone ones are skipped) from
 * `source` to `destination` (which may be the same mailbox). The caller
 * holds both locks. On failure no copy stays and the error is thrown.
 */
export async function copyMessages(
  source: MailboxParts,
  destination: MailboxParts,
  options: { uids: readonly number[] },
): Promise<MoveResult> {
  const { entries, droppedKeywords, letterOf } = await prepareTransfer(
    source,
    destination,
    options.uids,
  );
  const made: Made[] = [];
  let uids: number[];
  const findAgain = source.findAgain();
  try {
    for (const listed of entries) {
      const copied = await copyOne(source, destination, { uid: listed.uid, findAgain, letterOf });
      if (copied !== null) made.push(copied);
    }
    for (const copy of made) {
      await Deno.rename(copy.tmp, join(destination.dir, "cur", copy.fileName));
      copy.isInCur = true;
    }
    if (made.length > 0) await syncDir(join(destination.dir, "cur"));
    uids = await destination.index.assign(made.map((copy) => copy.base));
  } catch (error) {
    await removeCopies(made, destination);
    throw error;
  }
  const added = made.map((copy, i) =>
    makeEntry(copy.entry, {
      uid: uids[i] as number,
      base: copy.base,
      fileName: copy.fileName,
      letters: copy.letters,
      sizeBytes: copy.sizeBytes,
      storedBytes: copy.storedBytes,
      lineEnds: copy.lineEnds,
      internalDateMs: copy.internalDateMs,
      isNew: false,
    }, destination.keywordNames)
  );
  for (const entry of added) destination.table.append(entry); // the newest UIDs sort last
  destination.arrivals.note(uids);
  if (added.length > 0) destination.events.emit({ kind: "added", messages: added });
  return {
    sourceUids: made.map((copy) => copy.entry.uid),
    destinationUids: uids,
    droppedKeywords,
  };
}

/** Reads one message (found again after a rename by another MUA) into the destination's `tmp/`; null when it is gone. */
async function copyOne(
  source: MailboxParts,
  destination: MailboxParts,
  options: {
    uid: number;
    findAgain: (uid: number) => Promise<Entry | undefined>;
    letterOf: (name: string) => string | null;
  },
): Promise<Made | null> {
  let entry = source.table.get(options.uid);
  while (entry !== undefined) {
    const path = join(source.dir, entry.isNew ? "new" : "cur", entry.fileName);
    let bytes: Uint8Array;
    try {
      bytes = await source.reads.around(
        entry.base,
        () => entry!.sizeBytes > BIG_FILE_BYTES ? readWholeFile(path) : Deno.readFile(path),
      );
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      // Expunged by another program, or renamed (a flag change) since the source's last scan.
      entry = await options.findAgain(options.uid);
      continue;
    }
    // Named by its own size and date (whole seconds: a reopen must read the same INTERNALDATE).
    const dateMs = Math.max(0, Math.floor(entry.internalDateMs / 1000) * 1000);
    // Copied as stored; a file with bare LFs is served with CRLF here as it was there, so
    // its name says so with the served size in `,W=` (line_ends.ts).
    const sizes = servedSizes(entry, bytes);
    const base = withWireSize(maildirName(destination.hostname, bytes.length, dateMs), sizes);
    // As a MOVE does: the flags and keywords in the destination's letters, and the info
    // letters IMAP has no flag for kept as they are (maildir(5)'s P, "passed", that mutt sets).
    const letters = changeLetters(
      entry.letters,
      { replace: [...entry.flags, ...entry.keywords] },
      options.letterOf,
    );
    const tmp = join(destination.dir, "tmp", base);
    // Dated like its source in the mtime too, where other programs read the date.
    await writeFileDurably(tmp, [bytes], { mtimeMs: dateMs });
    const fileName = curName(base, letters);
    return {
      entry,
      base,
      tmp,
      fileName,
      letters,
      ...sizes,
      internalDateMs: dateMs,
      isInCur: false,
    };
  }
  return null;
}

/** Takes out the copies of a failed copy (logged when one cannot be: a duplicate, not a loss). */
async function removeCopies(made: readonly Made[], destination: MailboxParts): Promise<void> {
  for (const copy of made) {
    const path = copy.isInCur ? join(destination.dir, "cur", copy.fileName) : copy.tmp;
    try {
      await Deno.remove(path);
    } catch (error) {
      destination.markDirty();
      destination.log.error("mailbox.copy_undo_failed", {
        path,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
