/**
 * The IMAP server (IMAP4rev1, RFC 3501, with LITERAL+, SASL-IR, IDLE,
 * UIDPLUS, MOVE, SPECIAL-USE, NAMESPACE, ID, ENABLE, UNSELECT, CHILDREN and
 * LIST-EXTENDED) over the shared mailbox layer.
 */
export { startImapServer } from "./server.ts";
export type { ImapServerOptions } from "./options.ts";
export { decodeMailboxName, encodeMailboxName } from "./mutf7.ts";
