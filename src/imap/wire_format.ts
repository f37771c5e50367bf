/**
 * Formatting IMAP data values: NIL, quoted strings, literals, lists. Values
 * are binary strings (one char per byte), so a literal's `{n}` counts bytes.
 */

/** `value` as a quoted string, or a literal when quoting cannot carry it; NIL for null. */
export function nstring(value: string | null): string {
  if (value === null) return "NIL";
  if (/^[\x20-\x7e]*$/.test(value) && value.length <= 1024) {
    return `"${value.replace(/["\\]/g, "\\$&")}"`;
  }
  return literal(value);
}

/** A literal: `{n}` CRLF and the bytes. */
export function literal(value: string): string {
  return `{${value.length}}\r\n${value}`;
}

/**
 * An astring for mailbox names and similar: an atom when safe, else quoted or
 * literal. "NIL" is quoted: as an atom, parsers that read NIL as nil wherever
 * it stands (imapflow) lose the name.
 */
export function astringOut(value: string): string {
  if (/^[^(){ \x00-\x1f\x7f%*"\\\]\x80-\uffff]+$/.test(value) && value.toUpperCase() !== "NIL") {
    return value;
  }
  return nstring(value);
}

/** `(a b c)` or NIL for an empty list when `isNilWhenEmpty`. */
export function parenList(items: readonly string[], isNilWhenEmpty = false): string {
  if (items.length === 0 && isNilWhenEmpty) return "NIL";
  return `(${items.join(" ")})`;
}

/** What a NUL octet is sent as: Dovecot's choice, which clients already know. */
const NUL_STANDIN = 0x80;

/**
 * `bytes` with each NUL octet as 0x80: a literal is CHAR8, %x01-ff (RFC 3501
 * 9), and a message another program put in the Maildir may hold NULs (we take
 * none in). One octet for one keeps every count (RFC822.SIZE, BODYSTRUCTURE,
 * partial origins) true. `bytes` itself when it holds no NUL.
 */
export function withoutNul(bytes: Uint8Array): Uint8Array {
  let at = bytes.indexOf(0);
  if (at < 0) return bytes;
  const copy = bytes.slice();
  for (; at >= 0; at = copy.indexOf(0, at + 1)) copy[at] = NUL_STANDIN;
  return copy;
}
