/**
 * Dovecot's UID list, `<maildir>/dovecot-uidlist` (format 3, Dovecot 1.1 and
 * later), read once when a Maildir copied in from Dovecot is first listed,
 * so its clients keep their UIDVALIDITY and UIDs:
 *
 *     3 V<uidvalidity> N<nextuid> G<mailbox guid> [<key><value> ...]
 *     <uid> [<key><value> ...] :<file name>
 *
 * Header fields come in any order. A record's file name is the one the
 * message had when Dovecot first saw it; only its base (before `:`) names
 * the message. Of a record's fields only `P` is read: the POP3 UIDL Dovecot
 * gave the message instead of its `pop3_uidl_format` (migration tools, and
 * `pop3_save_uidl = yes`, write it; empty for the base name). Dovecot
 * appends records without rewriting the header, so UIDs at or above N are
 * usual (its own reader takes the last UID + 1 as the next then). Anything
 * else that is odd makes the whole file unusable: a wrong UID is worse than
 * a new UIDVALIDITY (RFC 9051 2.3.1.1: a UID never names another message
 * within one UIDVALIDITY).
 */

/** Dovecot's file name inside a Maildir. */
export const DOVECOT_UIDLIST_FILE = "dovecot-uidlist";

const MAX_UID = 0xffff_ffff;

/** One record of Dovecot's list. */
export interface DovecotRecord {
  uid: number;
  base: string;
  /**
   * The record's `P` fields in order: Dovecot's POP3 UIDL for the message
   * ("": the base name). Absent without one; Dovecot writes no more than one.
   */
  pop3Uidls?: string[];
}

/** What reading Dovecot's list found. */
export type DovecotUidListParse =
  | {
    kind: "ok";
    uidValidity: number;
    /** The header's N, raised above the last UID (an appended record). */
    uidNext: number;
    /** In UID order. */
    entries: DovecotRecord[];
  }
  /**
   * `line` is 1-based; 0 when the file could not be read at all.
   * `uidValidity`: the header's, when its line is whole and sound (records
   * after it are damaged): Dovecot's clients hold it, and the folder's new
   * one must be above it (RFC 9051 2.3.1.1).
   */
  | { kind: "unusable"; line: number; reason: string; uidValidity?: number };

/** Parses the text of a `dovecot-uidlist`. Pure. */
export function parseDovecotUidList(text: string): DovecotUidListParse {
  const end = text.indexOf("\n");
  const header = end === -1 ? "the header line has no newline" : parseHeader(text.slice(0, end));
  const uidValidity = typeof header === "string" ? {} : { uidValidity: header.uidValidity };
  const bad = (line: number, reason: string): DovecotUidListParse => ({
    kind: "unusable",
    line,
    reason,
    ...uidValidity,
  });
  if (text === "") return bad(1, "the file is empty");
  if (!text.endsWith("\n")) {
    return bad(text.split("\n").length, "the last line has no newline (a write cut short)");
  }
  if (typeof header === "string") return bad(1, header);
  const lines = text.slice(0, -1).split("\n");
  const entries: DovecotRecord[] = [];
  const bases = new Set<string>();
  let lastUid = 0;
  for (let i = 1; i < lines.length; i++) {
    const record = parseRecord(lines[i] as string);
    if (typeof record === "string") return bad(i + 1, record);
    if (record.uid <= lastUid) return bad(i + 1, `UID ${record.uid} is not above ${lastUid}`);
    if (bases.has(record.base)) return bad(i + 1, `the base "${record.base}" is listed twice`);
    bases.add(record.base);
    entries.push(record);
    lastUid = record.uid;
  }
  return {
    kind: "ok",
    uidValidity: header.uidValidity,
    uidNext: Math.max(header.uidNext, lastUid + 1),
    entries,
  };
}

/** The header's UIDVALIDITY and N, or why the header is unusable. */
function parseHeader(line: string): { uidValidity: number; uidNext: number } | string {
  const fields = line.split(" ");
  if (fields[0] !== "3") return `version "${fields[0]}" is not 3`;
  const values = new Map<string, string>();
  for (const field of fields.slice(1)) {
    if (field === "") continue; // Dovecot skips runs of spaces
    const key = field[0] as string;
    if (values.has(key)) return `header field ${key} appears twice`;
    values.set(key, field.slice(1));
  }
  const uidValidity = uidOf(values.get("V"));
  const uidNext = uidOf(values.get("N"));
  if (uidValidity === null) return `UIDVALIDITY "${values.get("V") ?? ""}" is not a number from 1`;
  if (uidNext === null) return `next UID "${values.get("N") ?? ""}" is not a number from 1`;
  // Dovecot's own reader takes a list with a malformed mailbox GUID for a broken one.
  const guid = values.get("G");
  if (guid !== undefined && !/^[0-9a-fA-F]{32}$/.test(guid)) {
    return `mailbox GUID "${guid}" is malformed`;
  }
  return { uidValidity, uidNext };
}

/** One record, or why it is unusable. */
function parseRecord(line: string): DovecotRecord | string {
  // <uid>, then extension fields (each a capital letter and a value), then " :<name>".
  const match = /^(\d+) ((?:[A-Z][^ ]* +)*):(.*)$/.exec(line);
  if (match === null) return "not a record (<uid> [fields] :<file name>)";
  const uid = uidOf(match[1]);
  if (uid === null || uid >= MAX_UID) return `UID "${match[1]}" is out of range`;
  const name = match[3] as string;
  if (/[\/\r\u0000]/.test(name)) return `the file name "${name}" holds "/", CR or NUL`;
  const base = name.split(":", 1)[0] as string;
  if (base === "") return "the file name is empty";
  const fields = match[2] as string;
  if (fields === "") return { uid, base };
  const uidls = fields.split(" ").filter((field) => field.startsWith("P"));
  if (uidls.length === 0) return { uid, base };
  return { uid, base, pop3Uidls: uidls.map((field) => field.slice(1)) };
}

/** A UID-sized number (1 to 2^32 - 1) written in digits, or null. */
function uidOf(digits: string | undefined): number | null {
  if (digits === undefined || !/^\d{1,10}$/.test(digits)) return null;
  const value = Number(digits);
  return value >= 1 && value <= MAX_UID ? value : null;
}

/**
 * Reads and parses `path`: "missing" when there is none; unusable when it is
 * no regular file (a FIFO would block the read for ever), cannot be read
 * (EACCES, a symlink loop), or is not UTF-8 (a base with U+FFFD in it would
 * name no file). Failures that pass (EIO, out of descriptors) are thrown, as
 * for our own index: taken for a damaged list, they would number the folder
 * anew for good.
 */
export async function readDovecotUidList(
  path: string,
): Promise<DovecotUidListParse | { kind: "missing" }> {
  try {
    const info = await Deno.stat(path);
    if (!info.isFile) return { kind: "unusable", line: 0, reason: "not a regular file" };
    const bytes = await Deno.readFile(path);
    return parseDovecotUidList(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { kind: "missing" };
    if (error instanceof TypeError) return { kind: "unusable", line: 0, reason: "not UTF-8" };
    if (isPassing(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    return { kind: "unusable", line: 0, reason: `cannot be read: ${message}` };
  }
}

/** EIO, and out of descriptors (the process's, EMFILE, or the system's, ENFILE). */
function isPassing(error: unknown): boolean {
  return error instanceof Error && /\(os error (?:5|23|24)\)/.test(error.message);
}
