/**
 * Reading one mailbox's message files for its readers (IMAP, POP3): each
 * file found by its listing entry (again after one refresh when another
 * MUA renamed it), counted as being read meanwhile, and served with CRLF
 * line ends (served_reads.ts). The served size of another program's file
 * whose name does not give it is counted here when first asked for, and
 * kept in its listing entry.
 */
import { join } from "node:path";
import { type FileEnd, fileEndsOf } from "./file_ends.ts";
export type { FileEnd };
import { MessageGoneError } from "./mailbox_types.ts";
import { type Entry, makeEntry, type MessageTable } from "./message_table.ts";
import type { PieceVisitor } from "./read_pieces.ts";
import type { ReadsInProgress } from "./reads_in_progress.ts";
import {
  measureFile,
  readServedHead,
  readServedMessage,
  readServedPieces,
  type ServedMark,
} from "./served_reads.ts";

/** Converted files whose marks are kept (one per 256 KB read: some 100 for a 25 MB message). */
const MAX_MARKED_FILES = 64;

/** What `MessageFiles` reads through: the mailbox's directory, listing and reads in progress. */
export interface MessageFilesOptions {
  dir: string;
  table: MessageTable;
  reads: ReadsInProgress;
  keywordNames: (letters: string) => readonly string[];
  /** A file was not where its entry said: rescan before looking again. */
  refreshAfterMiss: () => Promise<unknown>;
}

/** The reads of one `Mailbox` (see its methods of the same names). */
export class MessageFiles {
  readonly #options: MessageFilesOptions;
  readonly #marks = new Map<string, ServedMark[]>();

  constructor(options: MessageFilesOptions) {
    this.#options = options;
  }

  /**
   * The whole message as served; an unmeasured one is counted first, to fill
   * one buffer. One whose bytes are not the size its name gave is counted
   * again (see `exactSizes`), so RFC822.SIZE says what BODY[] sends.
   */
  async readMessage(uid: number): Promise<Uint8Array> {
    if (this.#options.table.get(uid)?.lineEnds === "unmeasured") await this.exactSizes([uid]);
    let listedBytes: number | undefined;
    const bytes = await this.#readFile(uid, (path, entry) => {
      listedBytes = entry.sizeBytes;
      return readServedMessage(path, entry);
    });
    if (bytes.length !== listedBytes) await this.exactSizes([uid], { isRecount: true });
    return bytes;
  }

  /** The served bytes piece by piece from served offset `fromByte`. */
  readPieces(uid: number, visit: PieceVisitor, fromByte: number): Promise<void> {
    return this.#readFile(uid, (path, entry) => {
      const marks = this.#marksOf(entry);
      return readServedPieces(path, entry, { visit, fromByte, marks });
    });
  }

  /** The header section as served (at most `maxBytes` of the file). */
  readHeader(uid: number, maxBytes: number): Promise<Uint8Array> {
    return this.#readFile(uid, (path, entry) => readServedHead(path, entry, maxBytes));
  }

  /** The end of each of `uids`' files (file_ends.ts): one small read each, none whole. */
  fileEnds(uids: readonly number[]): Promise<Map<number, FileEnd>> {
    return fileEndsOf(this.#options, uids);
  }

  /**
   * Counts the served size of each unmeasured entry among `uids`, one file at
   * a time (a file gone meanwhile is left out); nothing to do, not even a
   * loop, when the table has none, as a folder of our own files never has.
   * `isRecount`: every one of `uids`, after a read found its file not the
   * size its name said (a `,S=` or `,W=` that lies: a file edited under its
   * name): a FETCH of it announced that size, and could not keep to it.
   */
  async exactSizes(uids: Iterable<number>, options: { isRecount?: boolean } = {}): Promise<void> {
    const { table, keywordNames } = this.#options;
    const isRecount = options.isRecount === true;
    for (const uid of uids) {
      if (table.unmeasuredCount === 0 && !isRecount) return;
      const entry = table.get(uid);
      if (entry === undefined || (entry.lineEnds !== "unmeasured" && !isRecount)) continue;
      let sizes;
      try {
        sizes = await this.#readFile(uid, (path, entry) => measureFile(path, this.#marksOf(entry)));
      } catch (error) {
        if (error instanceof MessageGoneError) continue;
        throw error;
      }
      // Another session may have counted it meanwhile, or a rescan given the UID another file.
      const current = table.get(uid);
      if (current?.base !== entry.base || current.lineEnds !== entry.lineEnds) continue;
      table.replace(makeEntry(current, sizes, keywordNames));
    }
  }

  /** The marks of a converted file (see `ServedMark`), kept for the last files read. */
  #marksOf(entry: Entry): ServedMark[] | undefined {
    if (entry.lineEnds === "crlf") return undefined;
    let marks = this.#marks.get(entry.base);
    if (marks === undefined) {
      marks = [];
      this.#marks.set(entry.base, marks);
      const oldest = this.#marks.keys().next().value as string;
      if (this.#marks.size > MAX_MARKED_FILES) this.#marks.delete(oldest);
    }
    return marks;
  }

  /** Reads a message's file; a file renamed meanwhile is found again after one refresh. */
  async #readFile<T>(uid: number, read: (path: string, entry: Entry) => Promise<T>): Promise<T> {
    const { dir, table, reads } = this.#options;
    for (let attempt = 0; attempt < 2; attempt++) {
      const entry = table.get(uid);
      if (entry === undefined) break;
      const path = join(dir, entry.isNew ? "new" : "cur", entry.fileName);
      try {
        return await reads.around(entry.base, () => read(path, entry));
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
        await this.#options.refreshAfterMiss();
      }
    }
    throw new MessageGoneError(uid);
  }
}
