/** The outbound SMTP client (also usable from tests). */
export { SmtpClient } from "./client.ts";
export type { OpenOptions } from "./client.ts";
export { FINAL_DOT_STAGE, isPermanentRefusal, sendMessage } from "./transaction.ts";
export type { OutgoingMessage, RecipientResult } from "./transaction.ts";
export { SmtpClientError } from "./errors.ts";
export type { ClientFailureKind } from "./errors.ts";
export { ClientPool } from "./pool.ts";
export type { Lease, PoolOptions } from "./pool.ts";
export { describeReply, parseReplyLine, ReplyAssembler } from "./reply_parser.ts";
export type { ServerReply } from "./reply_parser.ts";
export { parseEhloLines } from "./extensions.ts";
export type { Extensions } from "./extensions.ts";
export { RFC_TIMEOUTS } from "./timeouts.ts";
export type { ClientTimeouts } from "./timeouts.ts";
export type { Credentials } from "./auth.ts";
