/**
 * What POP3 TOP sends of a message (RFC 1939 7): the header section with
 * the blank line that ends it, then the first `bodyLines` lines of the
 * body. A message without a blank line is all header. Works over the
 * message in pieces, so that TOP of a 25 MB message reads only its start.
 */

const CR = 13;
const LF = 10;

/** Finds where TOP's text ends, one piece of the message at a time. */
export class TopLines {
  #isInHeader = true;
  #isLineStart = true;
  /** A CR at a line start was the last byte of the previous piece: an LF next ends the header. */
  #isCrPending = false;
  #linesLeft: number;

  constructor(bodyLines: number) {
    this.#linesLeft = bodyLines;
  }

  /** True once the text has ended: no later byte belongs to it. */
  get isDone(): boolean {
    return !this.#isInHeader && this.#linesLeft <= 0;
  }

  /** How many bytes from the start of `piece` (the next piece) belong to the text. */
  take(piece: Uint8Array): number {
    let i = 0;
    const length = piece.length;
    while (this.#isInHeader && i < length) {
      const byte = piece[i] as number;
      if (this.#isCrPending) {
        this.#isCrPending = false;
        if (byte === LF) {
          this.#isInHeader = false;
          i++;
          break;
        }
      } else if (this.#isLineStart && byte === LF) {
        this.#isInHeader = false;
        i++;
        break;
      } else if (this.#isLineStart && byte === CR) {
        if (i + 1 === length) {
          this.#isCrPending = true;
          return length;
        }
        if (piece[i + 1] === LF) {
          this.#isInHeader = false;
          i += 2;
          break;
        }
      }
      this.#isLineStart = byte === LF;
      i++;
    }
    while (!this.#isInHeader && this.#linesLeft > 0 && i < length) {
      const lf = piece.indexOf(LF, i);
      if (lf < 0) return length; // the line goes on into the next piece
      i = lf + 1;
      this.#linesLeft--;
    }
    return i;
  }
}

/** TOP's text of a whole message, as bytes of it. */
export function headerAndBodyLines(bytes: Uint8Array, bodyLines: number): Uint8Array {
  return bytes.subarray(0, new TopLines(bodyLines).take(bytes));
}
