/**
 * Dot-stuffing for the multi-line responses of POP3 (RFC 1939 3) and the
 * DATA of SMTP: every line starting with "." gets one more, and every line
 * ends in CRLF (a bare LF becomes CRLF; a missing final line end is added).
 * The terminating ".\r\n" is the caller's.
 */

const CR = 13;
const LF = 10;
const DOT = 46;

/** Returns `bytes` dot-stuffed with CRLF line ends; an empty input stays empty. */
export function dotStuff(bytes: Uint8Array): Uint8Array {
  let extra = 0;
  let isLineStart = true;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (isLineStart && byte === DOT) extra++;
    if (byte === LF && (i === 0 || bytes[i - 1] !== CR)) extra++;
    isLineStart = byte === LF;
  }
  const needsFinalCrlf = bytes.length > 0 && !isLineStart;
  if (needsFinalCrlf) extra += 2;
  if (extra === 0) return bytes;
  const out = new Uint8Array(bytes.length + extra);
  let o = 0;
  isLineStart = true;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    if (isLineStart && byte === DOT) out[o++] = DOT;
    if (byte === LF && (i === 0 || bytes[i - 1] !== CR)) out[o++] = CR;
    out[o++] = byte;
    isLineStart = byte === LF;
  }
  if (needsFinalCrlf) {
    out[o++] = CR;
    out[o++] = LF;
  }
  return out;
}

/**
 * The header section (with the blank line that ends it) and the first
 * `bodyLines` lines of the body: what POP3 TOP sends. A message without a
 * blank line is all header.
 */
export function headerAndBodyLines(bytes: Uint8Array, bodyLines: number): Uint8Array {
  let i = 0;
  let isLineStart = true;
  while (i < bytes.length) {
    const byte = bytes[i];
    if (isLineStart && (byte === LF || (byte === CR && bytes[i + 1] === LF))) {
      i += byte === CR ? 2 : 1;
      break;
    }
    isLineStart = byte === LF;
    i++;
  }
  let lines = 0;
  while (i < bytes.length && lines < bodyLines) {
    const lf = bytes.indexOf(LF, i);
    i = lf < 0 ? bytes.length : lf + 1;
    lines++;
  }
  return bytes.subarray(0, i);
}
