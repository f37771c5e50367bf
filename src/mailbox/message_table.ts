/**
 * The in-memory listing of one mailbox: entries by UID, a sorted view built
 * on demand and kept in place by updates, and the frozen entry values that
 * `Mailbox` hands out. No disk access: `Mailbox` owns the files and the lock.
 */
import { lettersToFlags } from "./message_name.ts";
import type { MessageInfo } from "./mailbox_types.ts";
import type { SystemFlag } from "./message_name.ts";
import type { LineEnds } from "./line_ends.ts";

/**
 * A listed message with the file name it has now (in `new/` or `cur/`), its
 * file's size and how its line ends are served (`sizeBytes` is the size
 * served, see line_ends.ts).
 */
export interface Entry extends MessageInfo {
  readonly fileName: string;
  readonly storedBytes: number;
  readonly lineEnds: LineEnds;
}

/**
 * Flag lists are shared between entries with the same letters, and every entry
 * without keywords shares one empty list: a folder of 100,000 messages held
 * two small arrays per message otherwise (some 60 bytes each of ~470).
 */
const flagsByLetters = new Map<string, readonly SystemFlag[]>();
const MAX_SHARED_FLAG_LISTS = 256;
const NO_KEYWORDS: readonly string[] = Object.freeze([]);

function sharedFlags(letters: string): readonly SystemFlag[] {
  let flags = flagsByLetters.get(letters);
  if (flags === undefined) {
    flags = Object.freeze(lettersToFlags(letters));
    if (flagsByLetters.size < MAX_SHARED_FLAG_LISTS) flagsByLetters.set(letters, flags);
  }
  return flags;
}

/**
 * A frozen entry from `previous` (if any) with `fields` laid over it; flags
 * and keywords follow the letters (`keywordNames` maps keyword letters to names).
 */
export function makeEntry(
  previous: Entry | null,
  fields: Partial<Omit<Entry, "flags" | "keywords">>,
  keywordNames: (letters: string) => readonly string[],
): Entry {
  const merged = { ...previous, ...fields } as Omit<Entry, "flags" | "keywords">;
  return Object.freeze({
    uid: merged.uid,
    base: merged.base,
    fileName: merged.fileName,
    sizeBytes: merged.sizeBytes,
    storedBytes: merged.storedBytes,
    lineEnds: merged.lineEnds,
    internalDateMs: merged.internalDateMs,
    letters: merged.letters,
    isNew: merged.isNew,
    flags: sharedFlags(merged.letters),
    keywords: keywordsOf(keywordNames(merged.letters)),
  });
}

function keywordsOf(names: readonly string[]): readonly string[] {
  return names.length === 0 ? NO_KEYWORDS : Object.freeze([...names]);
}

/** Entries by UID with a lazily sorted listing. */
export class MessageTable {
  #entries = new Map<number, Entry>();
  #sorted: Entry[] | null = [];
  #unmeasured = 0;

  /** How many messages are listed. */
  get size(): number {
    return this.#entries.size;
  }

  /** How many listed messages have a served size not counted yet (0 in a folder of our own files). */
  get unmeasuredCount(): number {
    return this.#unmeasured;
  }

  /** Puts `entry` in the map, counting unmeasured entries in and out. */
  #put(entry: Entry): void {
    // With none counted so far the old entry cannot be one: no lookup in a folder of ours.
    if (this.#unmeasured > 0 && this.#entries.get(entry.uid)?.lineEnds === "unmeasured") {
      this.#unmeasured--;
    }
    if (entry.lineEnds === "unmeasured") this.#unmeasured++;
    this.#entries.set(entry.uid, entry);
  }

  /** The entries in UID order (built once, then kept up to date or rebuilt on demand). */
  sorted(): readonly Entry[] {
    return this.#sorted ??= [...this.#entries.values()].sort((a, b) => a.uid - b.uid);
  }

  /** One entry by UID. */
  get(uid: number): Entry | undefined {
    return this.#entries.get(uid);
  }

  /** Every entry with its UID, in insertion order (safe to change the table meanwhile). */
  entries(): IterableIterator<[number, Entry]> {
    return this.#entries.entries();
  }

  /** Every entry, in insertion order. */
  values(): IterableIterator<Entry> {
    return this.#entries.values();
  }

  /** Sets an entry without touching the sorted listing: call `invalidateOrder` after a batch. */
  set(entry: Entry): void {
    this.#put(entry);
  }

  /** Adds the entry with the highest UID so far: it sorts last. */
  append(entry: Entry): void {
    this.#put(entry);
    this.#sorted?.push(entry);
  }

  /** Removes an entry without touching the sorted listing: call `invalidateOrder` after a batch. */
  delete(uid: number): void {
    if (this.#unmeasured > 0 && this.#entries.get(uid)?.lineEnds === "unmeasured") {
      this.#unmeasured--;
    }
    this.#entries.delete(uid);
  }

  /** Drops the sorted listing; the next `sorted()` rebuilds it. */
  invalidateOrder(): void {
    this.#sorted = null;
  }

  /** Puts an updated entry (same UID) in place, keeping the sorted listing if there is one. */
  replace(entry: Entry): void {
    this.#put(entry);
    const sorted = this.#sorted;
    if (sorted === null) return;
    let low = 0;
    let high = sorted.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const uid = (sorted[mid] as Entry).uid;
      if (uid === entry.uid) {
        sorted[mid] = entry;
        return;
      }
      if (uid < entry.uid) low = mid + 1;
      else high = mid - 1;
    }
    this.#sorted = null;
  }

  /** The base names of the listed messages (for index compaction). */
  *bases(): Generator<string> {
    for (const entry of this.#entries.values()) yield entry.base;
  }
}
