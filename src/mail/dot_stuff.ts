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

/** How a line ends: CRLF, a bare LF, a bare CR (only with isBareCrLineEnd), or not at all. */
const enum LineEnd {
  CrLf,
  BareLf,
  BareCr,
  None,
}

/**
 * Calls `visit` for each line of `bytes` with where its content starts and
 * ends and how it ends. Line ends are found with `indexOf` (native), not by
 * visiting every byte: a 5 KB message has some 70 lines, not 5,000 bytes.
 */
function forEachLine(
  bytes: Uint8Array,
  isBareCrLineEnd: boolean,
  visit: (start: number, end: number, lineEnd: LineEnd) => void,
): void {
  let start = 0;
  // The first LF and (when isBareCrLineEnd) CR at or after `start`, bytes.length when there
  // is none: a search that found nothing is not repeated for every line.
  let lf = -1;
  let nextCr = -1;
  while (start < bytes.length) {
    if (lf < start) {
      lf = bytes.indexOf(LF, start);
      if (lf < 0) lf = bytes.length;
    }
    if (isBareCrLineEnd) {
      if (nextCr < start) {
        nextCr = bytes.indexOf(CR, start);
        if (nextCr < 0) nextCr = bytes.length;
      }
      if (nextCr < lf - 1) { // a CR with something other than LF after it
        visit(start, nextCr, LineEnd.BareCr);
        start = nextCr + 1;
        continue;
      }
    }
    if (lf === bytes.length) {
      // No LF left; a CR right at the end is bare too (isBareCrLineEnd), or content.
      if (isBareCrLineEnd && bytes[lf - 1] === CR) visit(start, lf - 1, LineEnd.BareCr);
      else visit(start, lf, LineEnd.None);
      return;
    }
    if (lf > start && bytes[lf - 1] === CR) visit(start, lf - 1, LineEnd.CrLf);
    else visit(start, lf, LineEnd.BareLf);
    start = lf + 1;
  }
}

/**
 * Returns `bytes` dot-stuffed with CRLF line ends; an empty input stays empty
 * (unless terminated). Without changes to make, `bytes` itself is returned.
 */
export function dotStuff(bytes: Uint8Array, options: DotStuffOptions = {}): Uint8Array {
  const isBareCrLineEnd = options.isBareCrLineEnd ?? false;
  let extra = options.isTerminated ? 3 : 0;
  forEachLine(bytes, isBareCrLineEnd, (start, _end, lineEnd) => {
    if (bytes[start] === DOT) extra++;
    if (lineEnd === LineEnd.BareLf || lineEnd === LineEnd.BareCr) extra++;
    else if (lineEnd === LineEnd.None) extra += 2;
  });
  if (extra === 0) return bytes;
  if (extra === 3 && options.isTerminated) {
    // Nothing to change but the terminator (the usual case): one copy, not one per line.
    const out = new Uint8Array(bytes.length + 3);
    out.set(bytes);
    out.set([DOT, CR, LF], bytes.length);
    return out;
  }
  const out = new Uint8Array(bytes.length + extra);
  let o = 0;
  // Every line goes out with CRLF, however it ended (a CR kept inside a line is content).
  forEachLine(bytes, isBareCrLineEnd, (start, end) => {
    if (bytes[start] === DOT) out[o++] = DOT;
    out.set(bytes.subarray(start, end), o);
    o += end - start;
    out[o++] = CR;
    out[o++] = LF;
  });
  if (options.isTerminated) out.set([DOT, CR, LF], o);
  return out;
}

/**
 * `dotStuff` as POP3 sends a stored message (bare CRs kept), over a message
 * that comes in pieces: a line cut between two pieces, or a CR at the end
 * of one and its LF at the start of the next, comes out as from the whole
 * message. Each piece's output is a fresh array (the piece may be reused).
 */
export class DotStuffStream {
  #isLineStart = true;
  #lastByte = -1;

  /** The next piece, dot-stuffed, with CRLF line ends. */
  push(piece: Uint8Array): Uint8Array {
    const length = piece.length;
    if (length === 0) return piece.slice();
    const isBareAt = (lf: number) => (lf === 0 ? this.#lastByte : piece[lf - 1]) !== CR;
    let extra = this.#isLineStart && piece[0] === DOT ? 1 : 0;
    for (let lf = piece.indexOf(LF); lf >= 0; lf = piece.indexOf(LF, lf + 1)) {
      if (isBareAt(lf)) extra++;
      if (piece[lf + 1] === DOT) extra++;
    }
    const out = new Uint8Array(length + extra);
    let o = 0;
    if (this.#isLineStart && piece[0] === DOT) out[o++] = DOT;
    let start = 0;
    for (let lf = piece.indexOf(LF); lf >= 0; lf = piece.indexOf(LF, lf + 1)) {
      out.set(piece.subarray(start, lf), o);
      o += lf - start;
      if (isBareAt(lf)) out[o++] = CR;
      out[o++] = LF;
      start = lf + 1;
      if (piece[start] === DOT) out[o++] = DOT;
    }
    out.set(piece.subarray(start), o);
    this.#lastByte = piece[length - 1] as number;
    this.#isLineStart = this.#lastByte === LF;
    return out;
  }

  /** What follows the last piece: a CRLF when the last line had no end. */
  finish(): Uint8Array {
    return this.#lastByte === -1 || this.#lastByte === LF
      ? new Uint8Array(0)
      : Uint8Array.of(CR, LF);
  }
}
