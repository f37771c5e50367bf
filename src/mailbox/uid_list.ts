/**
 * The per-mailbox UID index, `<maildir>/pillarbox-uidlist`:
 *
 *     pillarbox-uidlist 1 <uidValidity> <uidNext>
 *     <uid> <base>
 *     ...
 *
 * UIDs are strictly increasing down the file. New messages are appended
 * (and fsynced) as they are first seen; UIDNEXT is then the larger of the
 * header's and the last UID + 1, so appends never touch the header. Lines
 * of expunged messages stay until a compaction rewrites the file atomically
 * (tmp, fsync, rename, fsync of the directory).
 */
import { flush, writeFileAtomic } from "../spool/mod.ts";

/** The index file's name inside a Maildir. */
export const UID_LIST_FILE = "pillarbox-uidlist";
const MAGIC = "pillarbox-uidlist 1";
const MAX_UID = 0xffff_ffff;
const encoder = new TextEncoder();

/** The index contents. `entries` are in UID order. */
export interface UidListData {
  uidValidity: number;
  uidNext: number;
  entries: { uid: number; base: string }[];
}

/** What parsing found: the data, whether the file must be rewritten (torn tail), or why it is unusable. */
export type UidListParse =
  | { kind: "ok"; data: UidListData; needsRewrite: boolean }
  | { kind: "corrupt"; reason: string; uidValidity: number | null };

/** Parses the index text. A last line without its newline (a torn append) is dropped. */
export function parseUidList(text: string): UidListParse {
  const lines = text.split("\n");
  const isTorn = lines.at(-1) !== "";
  lines.pop();
  const header = /^pillarbox-uidlist 1 (\d{1,10}) (\d{1,10})$/.exec(lines[0] ?? "");
  if (header === null) return { kind: "corrupt", reason: "bad header", uidValidity: null };
  const uidValidity = Number(header[1]);
  let uidNext = Number(header[2]);
  if (uidValidity < 1 || uidValidity > MAX_UID || uidNext < 1) {
    return { kind: "corrupt", reason: "bad header values", uidValidity: null };
  }
  const entries: { uid: number; base: string }[] = [];
  let lastUid = 0;
  for (let i = 1; i < lines.length; i++) {
    // The base is the rest of the line: other programs' names may hold spaces or tabs.
    const match = /^(\d{1,10}) ([^\n]+)$/.exec(lines[i] as string);
    const uid = Number(match?.[1]);
    if (match === null || uid <= lastUid || uid > MAX_UID) {
      return { kind: "corrupt", reason: `bad line ${i + 1}`, uidValidity };
    }
    entries.push({ uid, base: match[2] as string });
    lastUid = uid;
  }
  uidNext = Math.max(uidNext, lastUid + 1);
  return { kind: "ok", data: { uidValidity, uidNext, entries }, needsRewrite: isTorn };
}

/** The full index text for `data`. */
export function formatUidList(data: UidListData): string {
  let text = `${MAGIC} ${data.uidValidity} ${data.uidNext}\n`;
  for (const entry of data.entries) text += `${entry.uid} ${entry.base}\n`;
  return text;
}

/** Reads and parses the index; "missing" when there is none yet. */
export async function readUidList(path: string): Promise<UidListParse | { kind: "missing" }> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { kind: "missing" };
    throw error;
  }
  return parseUidList(text);
}

/** Appends entries for newly seen messages and fsyncs, so their UIDs survive a crash. */
export async function appendUidList(
  path: string,
  entries: readonly { uid: number; base: string }[],
): Promise<void> {
  if (entries.length === 0) return;
  const text = entries.map((entry) => `${entry.uid} ${entry.base}\n`).join("");
  const file = await Deno.open(path, { append: true });
  try {
    const bytes = encoder.encode(text);
    let offset = 0;
    while (offset < bytes.length) offset += await file.write(bytes.subarray(offset));
    await flush(file, "data");
  } finally {
    file.close();
  }
}

/** Replaces the index atomically with `data` (create, compaction, rebuild). */
export async function writeUidList(path: string, data: UidListData): Promise<void> {
  await writeFileAtomic(path, [encoder.encode(formatUidList(data))]);
}

/** A fresh UIDVALIDITY: the current time in seconds, and always above `previous`. */
export function newUidValidity(previous: number | null, nowMs = Date.now()): number {
  const seconds = Math.floor(nowMs / 1000);
  const next = previous !== null && previous >= seconds ? previous + 1 : seconds;
  return Math.min(Math.max(next, 1), MAX_UID);
}

let lastIssued = 0;

/**
 * A UIDVALIDITY for a new or rebuilt index: `newUidValidity`, and also above
 * every value this process issued before, so an index deleted and rebuilt
 * within the same second still gets a different one.
 */
export function issueUidValidity(previous: number | null): number {
  lastIssued = newUidValidity(Math.max(previous ?? 0, lastIssued) || null);
  return lastIssued;
}
