/**
 * What a failure notice returns for RET=FULL (RFC 3461 4.3, 6.2): the whole
 * message as message/rfc822 when it fits a notice, else its headers with a
 * word on why. A notice returns at most MAX_NOTICE_HEADER_BYTES (128 KB) of
 * the original, headers or whole message alike: it tells, it does not
 * carry the mail back. And a notice is always 7-bit (message/rfc822 allows
 * no transfer encoding, RFC 2046 5.2.1), so a message with 8-bit bytes,
 * bare CR or LF, or lines over 998 octets comes back as headers, encoded.
 */
import type { QueuedMessage } from "../spool/mod.ts";

/** The most of the original a notice returns (see MAX_NOTICE_HEADER_BYTES in bouncer.ts). */
export const MAX_RETURNED_MESSAGE_BYTES = 128 * 1024;

/** The whole message to return, or the note to give instead. */
export function returnedContent(
  message: QueuedMessage,
): { returnedMessage: Uint8Array } | { returnNote: string } {
  const body = message.bytes.subarray(message.messageOffset);
  if (body.length > MAX_RETURNED_MESSAGE_BYTES) {
    return {
      returnNote: `Only the headers are returned: the message is over ${
        MAX_RETURNED_MESSAGE_BYTES / 1024
      } KB.`,
    };
  }
  if (!isSevenBitCrlf(body)) {
    return {
      returnNote: "Only the headers are returned: the message holds 8-bit data or long lines, " +
        "which a notice cannot carry as it is.",
    };
  }
  return { returnedMessage: body };
}

/** 7-bit, no NUL, CR only before LF and LF only after CR, lines of at most 998 octets. */
function isSevenBitCrlf(bytes: Uint8Array): boolean {
  let lineStart = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte === 0 || byte > 127) return false;
    if (byte === 13) {
      if (bytes[i + 1] !== 10) return false;
      if (i - lineStart > 998) return false;
      lineStart = i + 2;
      i++;
    } else if (byte === 10) return false;
  }
  return bytes.length - lineStart <= 998;
}
