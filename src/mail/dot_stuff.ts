/**
 * Dot-stuffing, the one implementation for the multi-line responses of POP3
 * (RFC 1939 3) and the DATA of SMTP (RFC 5321 4.5.2): every line starting
 * with "." gets one more, and every line ends in CRLF (a bare LF becomes
 * CRLF; a missing final line end is added).
 *
 * POP3 serves stored bytes, so by default a bare CR stays as it is and the
 * terminating ".\r\n" is the caller's. Outbound SMTP asks for
 * `isBareCrLineEnd` (a bare CR becomes CRLF too, so "\n.\n" or "\r\n.\r"
 * never reach a receiver that might misread them: we must never be the relay
 * half of an SMTP smuggling attack) and `isTerminated` (".\r\n" appended,
 * also after an empty message).
 */

const CR = 13;
const LF = 10;
const DOT = 46;

/** How {@link dotStuff} treats bare CRs and the end of the data. */
export interface DotStuffOptions {
  /** A CR not followed by LF ends a line (becomes CRLF). Default false: kept as is. */
  isBareCrLineEnd?: boolean;
  /** Append the ".\r\n" terminator. Default false. */
  isTerminated?: boolean;
}

/**
 * Returns `bytes` dot-stuffed with CRLF line ends; an empty input stays empty
 * (unless terminated). Without changes to make, `bytes` itself is returned.
 */
export function dotStuff(bytes: Uint8Array, options: DotStuffOptions = {}): Uint8Array {
  const isBareCrLineEnd = options.isBareCrLineEnd ?? false;
  const isBareCr = (i: number) => isBareCrLineEnd && bytes[i] === CR && bytes[i + 1] !== LF;
  const isBareLf = (i: number) => bytes[i] === LF && (i === 0 || bytes[i - 1] !== CR);
  let extra = options.isTerminated ? 3 : 0;
  let isLineStart = true;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (isLineStart && byte === DOT) extra++;
    if (isBareLf(i) || isBareCr(i)) extra++;
    isLineStart = byte === LF || isBareCr(i);
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
    if (isBareLf(i)) out[o++] = CR;
    out[o++] = byte;
    if (isBareCr(i)) out[o++] = LF;
    isLineStart = byte === LF || isBareCr(i);
  }
  if (needsFinalCrlf) {
    out[o++] = CR;
    out[o++] = LF;
  }
  if (options.isTerminated) out.set([DOT, CR, LF], o);
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
