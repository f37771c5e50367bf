/**
 * Visiting every message of the selected folder with what SEARCH keys and
 * SORT criteria look at: index facts only, the header section (read ahead
 * as FETCH does, 16 files at a time), or the whole message (one at a time
 * past 1 MB). SEARCH, SORT and their ESEARCH forms share it, so each reads
 * a message once whatever it asks of it.
 */
import { AsyncLock, type Mailbox, MessageGoneError, type MessageInfo } from "../../mailbox/mod.ts";
import { bytesToBinary, findBodyStart } from "../../mail/mod.ts";
import { searchableText } from "../../mail/body_text.ts";
import { messageFlags } from "../flags.ts";
import { readAhead } from "../read_ahead.ts";
import type { SearchSubject } from "../search_eval.ts";
import type { SelectedMailbox } from "../selected.ts";

/** What must be read of each message. */
export type ScanNeed = "meta" | "header" | "full";

/** Header reads in flight and their byte budget (FETCH's). */
const READ_AHEAD_FILES = 16;
const READ_AHEAD_BYTES = 8 * 1024 * 1024;
/** The first read of a header; one that fills it is read again whole (see `wholeHeader`). */
const HEADER_READ_BYTES = 256 * 1024;

/**
 * Past this size a message's text is searched one at a time across the
 * server: its read, its text, the decoded copies of its parts and their
 * lower-case form take several times its size while they last, and sixteen
 * clients searching a mailbox of 20 MB messages at once took it to 588 MB.
 */
const BIG_MESSAGE_BYTES = 1024 * 1024;
const BIG_SEARCHES = new AsyncLock();

/**
 * Calls `visit` for each message in view, in sequence order, with its
 * subject filled as `need.read` asks (`header`, and for "full" `body` and
 * `partHeaders` too), its size exact when `need.isSizeUsed`. A message
 * expunged meanwhile is skipped.
 */
export async function scanMessages(
  selected: SelectedMailbox,
  need: { read: ScanNeed; isSizeUsed: boolean },
  visit: (subject: SearchSubject, info: MessageInfo) => void,
): Promise<void> {
  const mailbox = selected.mailbox;
  const targets = selected.uids().map((uid, i) => ({ seq: i + 1, uid }));
  // LARGER, SMALLER and SORT SIZE compare RFC822.SIZE (RFC 3501 6.4.4, RFC 5256 3): the
  // size served, which another program's LF file has only once counted (line_ends.ts).
  if (need.isSizeUsed) await mailbox.exactSizes(selected.uids());
  const subjectOf = (target: { seq: number; uid: number }, info: MessageInfo): SearchSubject => ({
    seq: target.seq,
    uid: target.uid,
    flags: new Set(messageFlags(info)),
    isRecent: selected.isRecent(target.uid),
    sizeBytes: info.sizeBytes,
    internalDateMs: info.internalDateMs,
  });
  if (need.read === "header") {
    const reads = readAhead(targets, {
      read: (target) => mailbox.readHeader(target.uid, HEADER_READ_BYTES),
      sizeOf: (target) => Math.min(mailbox.get(target.uid)?.sizeBytes ?? 0, HEADER_READ_BYTES),
      maxFiles: READ_AHEAD_FILES,
      maxBytes: READ_AHEAD_BYTES,
    });
    for await (const { item: target, result } of reads) {
      const info = mailbox.get(target.uid);
      if (info === undefined) continue;
      try {
        if (!result.ok) throw result.error;
        const subject = subjectOf(target, info);
        subject.header = bytesToBinary(await wholeHeader(mailbox, target.uid, result.value));
        visit(subject, info);
      } catch (error) {
        if (!(error instanceof MessageGoneError)) throw error;
      }
    }
    return;
  }
  for (const target of targets) {
    const info = mailbox.get(target.uid);
    if (info === undefined) continue;
    const subject = subjectOf(target, info);
    if (need.read === "meta") {
      visit(subject, info);
      continue;
    }
    const readAndVisit = async () => {
      await readSearchable(mailbox, target.uid, subject);
      visit(subject, info);
    };
    try {
      await (info.sizeBytes > BIG_MESSAGE_BYTES ? BIG_SEARCHES.run(readAndVisit) : readAndVisit());
    } catch (error) {
      if (!(error instanceof MessageGoneError)) throw error;
    }
  }
}

/**
 * The whole header section given its capped first read: a header that
 * filled the read goes on past it (a Subject after 300 KB of Received
 * fields must not go missing), so it is read again up to the blank line,
 * and no further: the body may be as large as the message limit.
 */
async function wholeHeader(mailbox: Mailbox, uid: number, head: Uint8Array): Promise<Uint8Array> {
  if (head.length < HEADER_READ_BYTES) return head;
  return await mailbox.readHeader(uid, Number.MAX_SAFE_INTEGER);
}

/** Reads a message whole and sets what BODY and TEXT look at. */
async function readSearchable(mailbox: Mailbox, uid: number, subject: SearchSubject) {
  const bytes = await mailbox.readMessage(uid);
  const text = bytesToBinary(bytes);
  subject.header = text.slice(0, findBodyStart(text, 0, text.length));
  ({ body: subject.body, partHeaders: subject.partHeaders } = searchableText(text, bytes));
}
