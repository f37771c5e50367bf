/**
 * Adding a message to a mailbox (IMAP APPEND): written to `tmp/` with CRLF
 * line ends (crlf_message.ts), fsynced and renamed into `cur/` under a name
 * carrying its flags, `cur/` fsynced, and only then numbered in the UID
 * index. A failure leaves no copy.
 */
import { join } from "node:path";
import { syncDir, writeFileDurably } from "../spool/mod.ts";
import type { MailboxParts } from "./mailbox_parts.ts";
import type { MessageInfo } from "./mailbox_types.ts";
import { crlfMessage } from "./crlf_message.ts";
import { maildirName } from "./maildir.ts";
import { changeLetters, curName } from "./message_name.ts";
import { makeEntry } from "./message_table.ts";

/** How a message is added (see `Mailbox.append`). */
export interface AppendOptions {
  flags?: readonly string[];
  internalDateMs?: number;
  /** A keyword without a free letter is left off rather than refused (COPY). */
  keepKeywordsThatFit?: boolean;
}

/**
 * Appends one message with `flags` (system flags and keywords); the caller holds the lock.
 * Its size (`sizeBytes`) is that of the bytes stored, which bare LFs made CRLF add to.
 */
export async function appendMessage(
  mailbox: MailboxParts,
  chunks: readonly Uint8Array[],
  options: AppendOptions,
): Promise<MessageInfo> {
  // The name's S=, RFC822.SIZE and the UID index all see the bytes stored, not those sent.
  const stored = crlfMessage(chunks);
  const size = stored.sizeBytes;
  // Whole seconds since 1970: the name keeps only those, and a reopen must read the same date.
  const dateMs = Math.max(0, Math.floor((options.internalDateMs ?? Date.now()) / 1000) * 1000);
  const base = maildirName(mailbox.hostname, size, dateMs);
  await mailbox.keywords.define(options.flags ?? [], {
    keepWhatFits: options.keepKeywordsThatFit,
  });
  const letters = changeLetters(
    "",
    { add: options.flags ?? [] },
    (name) => mailbox.keywords.letterOf(name),
  );
  const tmp = join(mailbox.dir, "tmp", base);
  // Removes its part if a full disk stops it. The date is the file's mtime too, where
  // Dovecot and Courier read a message's INTERNALDATE (a Maildir moved to them).
  await writeFileDurably(tmp, stored.pieces, {
    mtimeMs: options.internalDateMs === undefined ? undefined : dateMs,
  });
  const fileName = curName(base, letters);
  const path = join(mailbox.dir, "cur", fileName);
  let uid: number | undefined;
  try {
    await Deno.rename(tmp, path);
    await syncDir(join(mailbox.dir, "cur"));
    [uid] = await mailbox.index.assign([base]);
  } catch (error) {
    // The caller is told it failed and will try again: no copy may stay behind.
    await Deno.remove(path).catch(() => Deno.remove(tmp)).catch(() => {});
    throw error;
  }
  const entry = makeEntry(null, {
    uid: uid as number,
    base,
    fileName,
    letters,
    isNew: false,
    sizeBytes: size,
    // CRLF, and served as stored: a name of ours without `,W=` (line_ends.ts).
    storedBytes: size,
    lineEnds: "crlf",
    internalDateMs: dateMs,
  }, mailbox.keywordNames);
  mailbox.table.append(entry); // the newest UID sorts last
  mailbox.arrivals.note([entry.uid]);
  mailbox.events.emit({ kind: "added", messages: [entry] });
  return entry;
}
