/** Protocol-neutral mail primitives: addresses, headers, trace fields. */
export {
  asciiHostname,
  hasALabelForm,
  isHostname,
  parseAddressLiteral,
  parseDomain,
  parseMailbox,
  parsePath,
} from "./address.ts";
export type { Mailbox, ParsedPath } from "./address.ts";
export { formatRfc5322Date } from "./date.ts";
export { formatReceived, sanitizeTraceValue, withProtocol } from "./received.ts";
export type { ReceivedInfo } from "./received.ts";
export { countReceived, headerSection, holdsHeaderEnd, startsWithBodyText } from "./headers.ts";
export { parseAddressList } from "./address_list.ts";
export type { ListedMailbox } from "./address_list.ts";
export { buildDsn, diagnosticCodeField } from "./dsn.ts";
export type { DsnInput, DsnRecipient } from "./dsn.ts";
export { normalizeLineEnds, prepareLocalMessage } from "./local_message.ts";
export type { LocalMessage, LocalMessageOptions } from "./local_message.ts";
export { dotStuff, DotStuffStream } from "./dot_stuff.ts";
export { headerAndBodyLines, TopLines } from "./top_lines.ts";
export type { DotStuffOptions } from "./dot_stuff.ts";
export { downgradeTo7bit, has8bitBytes } from "./eight_bit.ts";
export type { DowngradeOptions } from "./eight_bit.ts";
export { encodeHeaderSection, HeaderEncodingError } from "./header_encoding.ts";
export { fitMessageToPeer } from "./peer_form.ts";
export type { PeerAbilities, PeerForm, QueuedForm } from "./peer_form.ts";
export { encodeQuotedPrintable } from "./quoted_printable.ts";
export {
  binaryToBytes,
  bytesToBinary,
  findBodyStart,
  headerValue,
  parseMimeStructure,
  parseParams,
} from "./mime_structure.ts";
export type { MimePart } from "./mime_structure.ts";
export { type MimeText, mimeTextOf } from "./mime_text.ts";
export { transferEncodingOf } from "./transfer_encoding.ts";
export { withoutComments } from "./mime_parameter_encoding.ts";
