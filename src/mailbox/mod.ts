/**
 * Mailboxes: Maildir delivery, and reading for POP3 and IMAP with stable
 * UIDs (a per-mailbox index), flags in Maildir names and change events.
 */
export { isOwnMaildirName, mailboxDir, maildirName, MaildirStore } from "./maildir.ts";
export { folderDir, FolderError, type FolderProblem, INBOX, Mailboxes } from "./mailboxes.ts";
export { Mailbox } from "./mailbox.ts";
export { AsyncLock } from "./async_lock.ts";
export type { MoveResult } from "./move.ts";
export { CrossDeviceError, MessageGoneError } from "./mailbox_types.ts";
export type { FlagChange, MailboxChange, MessageInfo } from "./mailbox_types.ts";
export { FLAG_LETTERS, parseMessageName } from "./message_name.ts";
export type { ParsedMessageName, SystemFlag } from "./message_name.ts";
export { type PieceVisitor, readRange } from "./read_pieces.ts";
export { CrlfLines } from "./line_ends.ts";
export type { FileEnd } from "./file_ends.ts";
export { UID_LIST_FILE } from "./uid_list.ts";
export { DOVECOT_UIDLIST_FILE } from "./dovecot_uidlist.ts";
export { ADOPTED_DOVECOT_UIDLIST_FILE } from "./dovecot_uids.ts";
export { type DovecotPop3Uidls, dovecotPop3UidlsOf } from "./dovecot_pop3_uidls.ts";
export { UID_VALIDITY_FLOOR_FILE } from "./uid_validity_floor.ts";
export { isKeywordName, KeywordLimitError, KEYWORDS_FILE } from "./keywords.ts";
export {
  DELETED_FOLDER_PREFIX,
  deleteFolder,
  folderExists,
  listFolders,
  renameFolder,
} from "./folders.ts";
