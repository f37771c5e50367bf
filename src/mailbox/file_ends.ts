/**
 * The last byte of each listed message file, read alone: POP3 sends a last
 * line without a line end with CRLF (RFC 1939 11 counts those two octets
 * in LIST and STAT), and for a file whose name gives its served size
 * (line_ends.ts: ours, or a trusted `,W=`) that byte is all a first login
 * still needs. It used to read every file whole, in pieces, with a stat to
 * size the buffer: 30,000 small messages held a login 3 to 6 s.
 *
 * Not even that byte can be skipped for names of ours: a delivery over BDAT
 * (RFC 3030) is stored as the client ended it, and an IMAP APPEND as its
 * literal ends, so nothing any writer of ours does makes the final CRLF sure.
 */
import { join } from "node:path";
import type { MessageTable } from "./message_table.ts";

/**
 * What the end of a listed file says: its served size and last byte (null:
 * the file is empty); `count`, its served size is not known from its name
 * or its file is not the size the name says (edited in place), so read it
 * whole; `gone`, expunged or removed meanwhile.
 */
export type FileEnd =
  | { kind: "end"; servedBytes: number; lastByte: number | null }
  | { kind: "count" }
  | { kind: "gone" };

const COUNT: FileEnd = Object.freeze({ kind: "count" });
const GONE: FileEnd = Object.freeze({ kind: "gone" });

/**
 * Files read between two turns of the event loop. Each read is synchronous
 * (open, one positioned read, close: some 10-20 us; awaited one by one, the
 * same reads took four times as long), so a login to a big mailbox lets
 * other sessions run every few milliseconds.
 */
const FILES_PER_TURN = 256;

/**
 * node:fs, for its positioned read (Deno's files have none), and node's
 * setImmediate, a turn of the event loop that lets waiting I/O through in
 * some 20 us (a `setTimeout` of 0 took 2.3 ms: 117 of them for 30,000
 * files); loaded at the first use.
 */
let nodeModules: Promise<[typeof import("node:fs"), typeof import("node:timers")]> | null = null;
const loadNodeModules = () =>
  nodeModules ??= Promise.all([import("node:fs"), import("node:timers")]);

/** The last byte and the one that must not follow it (reads are synchronous: one buffer serves). */
const END_BYTES = new Uint8Array(2);

/** What `fileEndsOf` reads through (a mailbox's `MessageFiles` options). */
export interface FileEndSource {
  dir: string;
  table: MessageTable;
  /** A file was not where its entry said: rescan before looking again. */
  refreshAfterMiss: () => Promise<unknown>;
}

/**
 * The end of each of `uids`' files. A file not found is looked for again
 * after one rescan (another MUA renamed it), as every read of a message is.
 */
export async function fileEndsOf(
  source: FileEndSource,
  uids: readonly number[],
): Promise<Map<number, FileEnd>> {
  const [fs, timers] = await loadNodeModules();
  const ends = new Map<number, FileEnd>();
  let left = uids;
  for (let attempt = 0; attempt < 2 && left.length > 0; attempt++) {
    if (attempt > 0) await source.refreshAfterMiss();
    const missed: number[] = [];
    for (let i = 0; i < left.length; i++) {
      if (i > 0 && i % FILES_PER_TURN === 0) await new Promise((go) => timers.setImmediate(go));
      const uid = left[i] as number;
      const entry = source.table.get(uid);
      if (entry === undefined) ends.set(uid, GONE);
      else if (entry.lineEnds === "unmeasured") ends.set(uid, COUNT);
      else {
        const path = join(source.dir, entry.isNew ? "new" : "cur", entry.fileName);
        const lastByte = lastByteOf(fs, path, entry.storedBytes);
        if (lastByte === "missing") missed.push(uid);
        else if (lastByte === "other size") ends.set(uid, COUNT);
        else ends.set(uid, { kind: "end", servedBytes: entry.sizeBytes, lastByte });
      }
    }
    left = missed;
  }
  for (const uid of left) ends.set(uid, GONE);
  return ends;
}

/**
 * The byte at `storedBytes - 1` of `path`, read together with the one
 * after it, which must not exist: a file of another length than its name
 * says is `other size`. Synchronous, so no expunge can recycle the file
 * while it is open (see `ReadsInProgress`).
 */
function lastByteOf(
  fs: typeof import("node:fs"),
  path: string,
  storedBytes: number,
): number | null | "missing" | "other size" {
  let fd: number;
  try {
    fd = fs.openSync(path, "r");
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return "missing";
    throw error;
  }
  try {
    const position = Math.max(0, storedBytes - 1);
    const read = fs.readSync(fd, END_BYTES, 0, storedBytes === 0 ? 1 : 2, position);
    if (storedBytes === 0) return read === 0 ? null : "other size";
    return read === 1 ? END_BYTES[0] as number : "other size";
  } finally {
    fs.closeSync(fd);
  }
}
