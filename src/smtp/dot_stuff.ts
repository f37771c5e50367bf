/**
 * The DATA writer's half of RFC 5321 4.5.2: dot-stuffing on the way out.
 *
 * Every line end becomes CRLF: a bare CR or bare LF in the queued message is
 * turned into CRLF, so we never put "\n.\n" or "\r\n.\r" style sequences on
 * the wire for a receiver to misread (we must never be the relay half of an
 * SMTP smuggling attack). A line starting with "." gets another ".", the
 * message is closed with CRLF if it lacks one, and ".\r\n" ends the data.
 */

const CR = 13;
const LF = 10;
const DOT = 46;

/** The bytes to send after a 354: normalised, stuffed and terminated by CRLF "." CRLF. */
export function dotStuff(message: Uint8Array): Uint8Array {
  // Worst case: every byte is a bare CR/LF (2 bytes) or a line-leading dot (2 bytes).
  const out = new Uint8Array(message.length * 2 + 5);
  let length = 0;
  let isLineStart = true;
  for (let i = 0; i < message.length; i++) {
    const byte = message[i]!;
    if (byte === CR || byte === LF) {
      out[length++] = CR;
      out[length++] = LF;
      if (byte === CR && message[i + 1] === LF) i++;
      isLineStart = true;
      continue;
    }
    if (isLineStart && byte === DOT) out[length++] = DOT;
    out[length++] = byte;
    isLineStart = false;
  }
  if (!isLineStart) {
    out[length++] = CR;
    out[length++] = LF;
  }
  out[length++] = DOT;
  out[length++] = CR;
  out[length++] = LF;
  return out.slice(0, length);
}

/** Whether `message` holds a CR or LF that is not part of a CRLF pair. */
export function hasBareLineEnding(message: Uint8Array): boolean {
  for (let i = 0; i < message.length; i++) {
    const byte = message[i];
    if (byte === CR && message[i + 1] !== LF) return true;
    if (byte === LF && (i === 0 || message[i - 1] !== CR)) return true;
  }
  return false;
}
