/** SMTP wire vocabulary shared by the server and the client. */
export { formatReply, reply } from "./reply.ts";
export type { Reply } from "./reply.ts";
export { SmtpError } from "./smtp_error.ts";
export { Refusal } from "./catalogue.ts";
export { parseCommand, parseParameters, splitPathArgument } from "./command.ts";
export type { Command, EsmtpParameters } from "./command.ts";
export { encodeDataBlocks, encodeDataBody, hasBareLineEnding } from "./dot_stuff.ts";
export { ChunkReader, LineEndingChecker } from "./chunk_reader.ts";
export { DataDecoder } from "./data_decoder.ts";
export type { DataViolations } from "./data_decoder.ts";
export { decodeXtext, encodeXtext, isXtext } from "./xtext.ts";
export {
  envelopeIdField,
  MAX_ENVID_CHARS,
  MAX_ORCPT_CHARS,
  orcptForPeer,
  orcptOf,
  originalRecipientField,
  parseEnvid,
  parseNotify,
  parseOrcpt,
  parseRet,
} from "./dsn_parameters.ts";
export type { DsnReturn, NotifyWord, RecipientDsn } from "./dsn_parameters.ts";
export { aliasTargetDsn } from "./alias_dsn.ts";
