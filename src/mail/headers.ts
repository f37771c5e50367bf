/** Small, pure views of a message's header section. */

const decoder = new TextDecoder("latin1");
const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;
const TAB = 9;

/** The header section of `message` (up to the blank line) as latin1 text, unfolded lines kept. */
export function headerSection(message: Uint8Array): string {
  // A message may start with the blank line: then every line after it is body.
  if (message[0] === LF || (message[0] === CR && message[1] === LF)) return "";
  // Up to the first line end ("\n" or "\r\n") that is followed by an empty line,
  // that line end included; found in the bytes, so only the header is decoded.
  for (let lf = message.indexOf(LF); lf >= 0; lf = message.indexOf(LF, lf + 1)) {
    const next = message[lf + 1];
    if (next === LF || (next === CR && message[lf + 2] === LF)) {
      const start = lf > 0 && message[lf - 1] === CR ? lf - 1 : lf;
      return decoder.decode(message.subarray(0, start + 2));
    }
  }
  return decoder.decode(message);
}

/**
 * True when `message` holds the blank line that ends its header section (or
 * starts with it): every field of the header is then in these bytes. False
 * for the first bytes of a message whose header section goes on past them.
 */
export function holdsHeaderEnd(message: Uint8Array): boolean {
  if (message[0] === LF || (message[0] === CR && message[1] === LF)) return true;
  for (let lf = message.indexOf(LF); lf >= 0; lf = message.indexOf(LF, lf + 1)) {
    const next = message[lf + 1];
    if (next === LF || (next === CR && message[lf + 2] === LF)) return true;
  }
  return false;
}

/**
 * True when `message` neither starts with a header field nor with the blank
 * line that ends an empty header section: its first line is body text. The
 * trace fields put in front of such a message would make that line read as a
 * broken header, so a blank line must go between them (RFC 5322 2.1).
 */
export function startsWithBodyText(message: Uint8Array): boolean {
  if (message.length === 0 || message[0] === LF || (message[0] === CR && message[1] === LF)) {
    return false;
  }
  // A field name: printable US-ASCII except ":", then (obsolete) blanks, then ":".
  let i = 0;
  while (i < message.length && message[i]! > 32 && message[i]! < 127 && message[i] !== COLON) i++;
  if (i === 0) return true;
  while (i < message.length && (message[i] === SPACE || message[i] === TAB)) i++;
  return message[i] !== COLON;
}

/** How many Received headers the header section holds (loop detection, RFC 5321 6.3). */
export function countReceived(headers: string): number {
  let count = 0;
  for (const line of headers.split(/\r?\n/)) if (/^received[ \t]*:/i.test(line)) count++;
  return count;
}
