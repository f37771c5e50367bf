/** Mailboxes: Maildir delivery now; UIDs, flags and reading for POP3 and IMAP. */
export { mailboxDir, maildirName, MaildirStore } from "./maildir.ts";
