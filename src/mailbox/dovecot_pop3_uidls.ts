/**
 * The POP3 UIDLs Dovecot gave the messages of a Maildir copied in from it,
 * so that clients that leave mail on the server do not fetch it all again
 * (RFC 1939 7: a UIDL is unique and persistent for its message). They come
 * from `dovecot-uidlist.adopted`, the list our index took the folder's UIDs
 * from (dovecot_uids.ts), by base name: a record's `P` field when it has
 * one, else Dovecot's default `pop3_uidl_format`, `%08Xu%08Xv` (the UID,
 * then the list's UIDVALIDITY, 8 hex digits each, lower case as Dovecot's
 * `X` writes them). The list is read as it is, so its UIDLs outlive a
 * rebuild of our index, and messages it does not name (delivered here)
 * keep the base-name UIDLs of any other message.
 *
 * What is doubtful is left out, and the message keeps its base name: a
 * client fetches it again, where a UIDL it took for another message's would
 * make it skip this one as fetched, lost to the user. For that reason too,
 * no other message may have a UIDL Dovecot gave (see `shown`).
 */
import { join } from "node:path";
import type { Logger } from "../log/mod.ts";
import { type DovecotRecord, readDovecotUidList } from "./dovecot_uidlist.ts";
import { ADOPTED_DOVECOT_UIDLIST_FILE } from "./dovecot_uids.ts";

/** Dovecot's default UIDL, `%08Xu%08Xv`. */
export function defaultDovecotUidl(uid: number, uidValidity: number): string {
  return hex8(uid) + hex8(uidValidity);
}

function hex8(value: number): string {
  return value.toString(16).padStart(8, "0");
}

/** What Dovecot's POP3 gave the messages of one list. */
export interface DovecotPop3Uidls {
  /** Base name -> the UIDL Dovecot gave that message, and no other. */
  byBase: ReadonlyMap<string, string>;
  /**
   * Every UIDL Dovecot may have given a message of the list, doubtful ones
   * too: a client that saw one skips any other message that has it.
   */
  shown: ReadonlySet<string>;
}

/** A list that names no message. */
export const NO_DOVECOT_POP3_UIDLS: DovecotPop3Uidls = { byBase: new Map(), shown: new Set() };

/**
 * The UIDLs Dovecot's POP3 gave the records of a sound list. Not in
 * `byBase`: a record with `P` twice (which one Dovecot showed is doubtful),
 * and every record whose UIDL another record has too (Dovecot allows that
 * with `P`; its clients took the two for one message). Pure.
 */
export function dovecotPop3Uidls(
  list: { uidValidity: number; entries: readonly DovecotRecord[] },
): DovecotPop3Uidls {
  const byBase = new Map<string, string>();
  const v = hex8(list.uidValidity);
  if (list.entries.every((entry) => entry.pop3Uidls === undefined)) {
    // Dovecot's usual list: UIDs differ, so do their UIDLs.
    for (const entry of list.entries) byBase.set(entry.base, hex8(entry.uid) + v);
    return { byBase, shown: new Set(byBase.values()) };
  }
  const shown = new Set<string>();
  const shared = new Set<string>();
  for (const entry of list.entries) {
    // An empty P is the base name.
    const uidls = entry.pop3Uidls?.map((uidl) => uidl || entry.base) ?? [hex8(entry.uid) + v];
    for (const uidl of uidls) {
      if (shown.has(uidl)) shared.add(uidl);
      shown.add(uidl);
    }
    if (uidls.length === 1) byBase.set(entry.base, uidls[0] as string);
  }
  for (const [base, uidl] of byBase) {
    if (shared.has(uidl)) byBase.delete(base);
  }
  return { byBase, shown };
}

/**
 * `dovecotPop3Uidls` of the Maildir `dir`'s `dovecot-uidlist.adopted`;
 * empty when it has none (no Maildir from Dovecot, or one whose list was
 * not taken: its UIDs were not, so neither are its UIDLs) or one that has
 * become unusable (logged). Failures that pass (EIO, out of descriptors)
 * are thrown: base names meanwhile would have the client fetch it all.
 */
export async function readDovecotPop3Uidls(dir: string, log: Logger): Promise<DovecotPop3Uidls> {
  const path = join(dir, ADOPTED_DOVECOT_UIDLIST_FILE);
  const parsed = await readDovecotUidList(path);
  if (parsed.kind === "missing") return NO_DOVECOT_POP3_UIDLS;
  if (parsed.kind === "unusable") {
    log.warn("mailbox.dovecot_uidlist_ignored", {
      path,
      line: parsed.line,
      reason: parsed.reason,
    });
    return NO_DOVECOT_POP3_UIDLS;
  }
  return dovecotPop3Uidls(parsed);
}

/** What `dovecotPop3UidlsOf` read, by mailbox instance, with the file it read. */
const remembered = new WeakMap<object, { stamp: string; uidls: DovecotPop3Uidls }>();

/**
 * `readDovecotPop3Uidls` of `mailbox`'s directory, kept with the instance
 * (and dropped with it) while the file is the same one (inode, size and
 * mtime): a list of 100,000 records costs most of a second to read, at every
 * POP3 session otherwise; a stat is all a session pays now.
 */
export async function dovecotPop3UidlsOf(
  mailbox: { readonly dir: string },
  log: Logger,
): Promise<DovecotPop3Uidls> {
  let stamp: string;
  try {
    const info = await Deno.stat(join(mailbox.dir, ADOPTED_DOVECOT_UIDLIST_FILE));
    stamp = `${info.ino}:${info.size}:${info.mtime?.getTime()}`;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return NO_DOVECOT_POP3_UIDLS;
    stamp = ""; // let the read say what is wrong
  }
  const known = remembered.get(mailbox);
  if (stamp !== "" && known?.stamp === stamp) return known.uidls;
  const uidls = await readDovecotPop3Uidls(mailbox.dir, log);
  remembered.set(mailbox, { stamp, uidls });
  return uidls;
}
