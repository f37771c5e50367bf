/**
 * How a directory scan changes a mailbox's table: names that are gone are
 * expunged, renamed ones (flags changed by any MUA) updated, and files the
 * table did not know become entries once the UID index has numbered them.
 */
import { join } from "node:path";
import type { MailboxParts } from "./mailbox_parts.ts";
import { type Entry, makeEntry, type MessageTable } from "./message_table.ts";
import { lineEndsOfName } from "./line_ends.ts";
import { type FoundFile, statFile } from "./scan.ts";

type KeywordNames = (letters: string) => readonly string[];

/**
 * Applies `found` (by base name) to `table`: returns the UIDs whose files are
 * gone and the entries whose flags changed. Leaves in `found` only the
 * files the table does not know. With `isNewOnly`, `found` lists `new/`
 * alone and the entries in `cur/` stand as they are (a base in both
 * folders counts from `cur/`, as in a whole listing).
 */
export function applyScan(
  table: MessageTable,
  found: Map<string, FoundFile>,
  keywordNames: KeywordNames,
  options: { isNewOnly?: boolean } = {},
): { expunged: number[]; flagged: Entry[] } {
  const expunged: number[] = [];
  const flagged: Entry[] = [];
  for (const [uid, entry] of table.entries()) {
    if (options.isNewOnly && !entry.isNew) {
      found.delete(entry.base);
      continue;
    }
    const file = found.get(entry.base);
    if (file === undefined) {
      expunged.push(uid);
      table.delete(uid);
    } else if (file.fileName !== entry.fileName) {
      const { fileName, letters, isNew } = file;
      const updated = makeEntry(entry, { fileName, letters, isNew }, keywordNames);
      table.replace(updated);
      if (updated.letters !== entry.letters) flagged.push(updated);
    }
    found.delete(entry.base);
  }
  return { expunged, flagged };
}

/**
 * The entry for a file in `dir` numbered `uid`: from its name alone when the
 * name gives the size and date (ours do), else with one stat for what it
 * does not say: another program's message is dated by its mtime. A file
 * gone before its stat (renamed by another MUA) is dated by its name's
 * leading seconds, the time it was written.
 */
export function entryOfFile(
  dir: string,
  uid: number,
  file: FoundFile,
  keywordNames: KeywordNames,
): Entry {
  let { sizeBytes: storedBytes, internalDateMs } = file;
  if (storedBytes === null || internalDateMs === null) {
    const info = statFile(join(dir, file.isNew ? "new" : "cur", file.fileName));
    storedBytes ??= info?.sizeBytes ?? 0;
    internalDateMs ??= info?.mtimeMs ?? Number(/^(\d+)\./.exec(file.base)?.[1] ?? 0) * 1000;
  }
  // Until an unmeasured file is counted (Mailbox.exactSizes), its stored size stands in.
  const { wireBytes = null, isOwnName = false } = file;
  const lineEnds = lineEndsOfName({ sizeBytes: file.sizeBytes, wireBytes, isOwnName });
  const sizeBytes = lineEnds === "lf" ? wireBytes ?? storedBytes : storedBytes;
  const { base, fileName, isNew, letters } = file;
  return makeEntry(null, {
    uid,
    base,
    fileName,
    isNew,
    letters,
    sizeBytes,
    storedBytes,
    lineEnds,
    internalDateMs,
  }, keywordNames);
}

/**
 * Stats made between two turns of the event loop (some 5-10 ms of them): a
 * folder of 100,000 messages copied in from Dovecot needs one a message at
 * its first listing, and in one go they held every session still for up to
 * a second.
 */
const STATS_PER_TURN = 1000;

/** `entryOfFile` for each of `files`, letting the event loop turn every `STATS_PER_TURN` stats. */
async function entriesOf(
  dir: string,
  files: Iterable<readonly [number, FoundFile]>,
  keywordNames: KeywordNames,
): Promise<Entry[]> {
  const entries: Entry[] = [];
  let stats = 0;
  for (const [uid, file] of files) {
    const needsStat = file.sizeBytes === null || file.internalDateMs === null;
    if (needsStat && ++stats % STATS_PER_TURN === 0) {
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    entries.push(entryOfFile(dir, uid, file, keywordNames));
  }
  return entries;
}

/**
 * Brings a locked mailbox up to a listing (`found`, by base name): gone
 * files are expunged, renamed ones updated, unknown ones numbered by the
 * UID index (`onMatched` once it has) and added; then the listeners hear it all.
 */
export async function takeListing(
  parts: MailboxParts,
  listing: {
    found: Map<string, FoundFile>;
    /** `found` lists `new/` alone (see `applyScan`). */
    isNewOnly?: boolean;
    isListedBefore: boolean;
    onMatched: () => void;
  },
): Promise<void> {
  const { dir, table, index, keywordNames, events } = parts;
  const { expunged, flagged } = applyScan(table, listing.found, keywordNames, {
    isNewOnly: listing.isNewOnly,
  });
  const { known, fresh } = await index.match(listing.found, {
    isListedBefore: listing.isListedBefore,
  });
  listing.onMatched();
  // Fresh UIDs are above every listed one: with nothing removed and nothing found again
  // under an older UID, they go at the end of the sorted listing, which need not be rebuilt.
  const isOrderKept = expunged.length === 0 && known.length === 0;
  const added: Entry[] = [];
  for (const entry of await entriesOf(dir, known, keywordNames)) table.set(entry);
  for (const entry of await entriesOf(dir, fresh, keywordNames)) {
    if (isOrderKept) table.append(entry);
    else table.set(entry);
    added.push(entry);
  }
  if (!isOrderKept) table.invalidateOrder();
  if (expunged.length > 0 || known.length > 0) {
    await index.compactIfNeeded(table.size, () => table.bases());
  }
  events.emit({ kind: "expunged", uids: expunged, origin: null });
  events.emit({ kind: "flags", messages: flagged, origin: null });
  events.emit({ kind: "added", messages: added });
}

/**
 * After the keyword file was read again with letters meaning other names
 * than before (see `Keywords.reloadIfChanged`): every listed message with a
 * keyword letter gets its keywords again, and listeners hear those that changed.
 */
export function relabelKeywords(parts: MailboxParts): void {
  if (!parts.keywords.takeRedefined()) return;
  const flagged: Entry[] = [];
  for (const [, entry] of parts.table.entries()) {
    if (!/[a-z]/.test(entry.letters)) continue;
    const updated = makeEntry(entry, {}, parts.keywordNames);
    if (updated.keywords.join(" ") === entry.keywords.join(" ")) continue;
    parts.table.replace(updated);
    flagged.push(updated);
  }
  parts.events.emit({ kind: "flags", messages: flagged, origin: null });
}
