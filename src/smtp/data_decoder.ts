/**
 * The DATA reader (RFC 5321 4.1.1.4, 4.5.2): finds the end of data, removes
 * dot-stuffing and records anything that makes the message unacceptable.
 *
 * Only CRLF "." CRLF ends the data. A bare CR or bare LF never starts a line,
 * so "\n.\n", "\r.\r\n" and friends are content (and flagged), never an end:
 * the session cannot be desynchronised (SMTP smuggling).
 */

/** Why a message read by `DataDecoder` must be refused. */
export interface DataViolations {
  bareCr: boolean;
  bareLf: boolean;
  nul: boolean;
  /** A line longer than 1000 octets with its CRLF, a stuffed dot not counted (RFC 5321 4.5.3.1.6). */
  longLine: boolean;
  /** More than `maxMessageBytes` after unstuffing; later bytes were not passed on. */
  tooBig: boolean;
}

const CR = 13;
const LF = 10;
const DOT = 46;
const MAX_LINE_OCTETS = 998;
const CR_BYTES = new Uint8Array([CR]);

const enum State {
  LineStart,
  Middle,
  AfterCr,
  AfterDot,
  AfterDotCr,
}

/** Streaming decoder for one DATA phase; feed it with `push` until it reports done. */
export class DataDecoder {
  readonly violations: DataViolations = {
    bareCr: false,
    bareLf: false,
    nul: false,
    longLine: false,
    tooBig: false,
  };
  /** Bytes of message passed on so far. */
  messageBytes = 0;
  /** Whether any octet had the high bit set (8-bit content, with or without BODY=8BITMIME). */
  has8bitBytes = false;
  #state = State.LineStart;
  #lineOctets = 0;
  readonly #maxMessageBytes: number;
  readonly #onBytes: (bytes: Uint8Array) => void;

  /**
   * `onBytes` receives the unstuffed message in pieces; the pieces are views
   * of the caller's buffer, valid only during the call (copy to keep them).
   */
  constructor(options: { maxMessageBytes: number; onBytes: (bytes: Uint8Array) => void }) {
    this.#maxMessageBytes = options.maxMessageBytes;
    this.#onBytes = options.onBytes;
  }

  /** True when the message must be refused. */
  get isRejected(): boolean {
    const v = this.violations;
    return v.bareCr || v.bareLf || v.nul || v.longLine || v.tooBig;
  }

  #emit(bytes: Uint8Array): void {
    if (bytes.length === 0 || this.violations.tooBig) return;
    if (this.messageBytes + bytes.length > this.#maxMessageBytes) {
      this.violations.tooBig = true;
      return;
    }
    this.messageBytes += bytes.length;
    this.#onBytes(bytes);
  }

  /** Consumes `chunk` up to and including the end-of-data line, if it is there. */
  push(chunk: Uint8Array): { used: number; done: boolean } {
    let segmentStart = 0;
    let state = this.#state;
    let lineOctets = this.#lineOctets;
    // Seen in this chunk; folded into the fields at the end (locals keep the byte loop tight).
    let bareCr = false;
    let bareLf = false;
    let nul = false;
    let has8bit = false;
    if (state === State.AfterDotCr && chunk.length > 0 && chunk[0] !== LF) {
      // The CR held back after a lone dot was content after all.
      this.#emit(CR_BYTES);
    }
    const length = chunk.length;
    let i = 0;
    while (i < length) {
      if (state === State.Middle) {
        // The middle of a line, nearly every byte: run to the next CR, noting
        // anything unusual. The line's length is where it stops, counted from
        // where the line began (possibly in an earlier chunk).
        const lineBase = i - lineOctets;
        for (; i < length; i++) {
          const byte = chunk[i] as number;
          if (byte === CR) break;
          if (byte < 0x0e || byte > 0x7f) {
            if (byte === LF) bareLf = true;
            else if (byte === 0) nul = true;
            else if (byte > 0x7f) has8bit = true;
          }
        }
        lineOctets = i - lineBase;
        if (lineOctets > MAX_LINE_OCTETS) this.violations.longLine = true;
        if (i === length) break;
        state = State.AfterCr;
        i++;
        continue;
      }
      const byte = chunk[i] as number;
      if (state === State.LineStart) {
        if (byte === DOT) {
          this.#emit(chunk.subarray(segmentStart, i));
          segmentStart = i + 1;
          // RFC 5321 4.5.3.1.6: the dot added for transparency is not counted.
          lineOctets = 0;
          state = State.AfterDot;
          i++;
          continue;
        }
      } else if (state === State.AfterDot) {
        if (byte === CR) {
          state = State.AfterDotCr;
          i++;
          continue;
        }
      } else if (state === State.AfterDotCr) {
        if (byte === LF) {
          this.#emit(chunk.subarray(segmentStart, Math.max(segmentStart, i - 1)));
          this.#fold(bareCr, bareLf, nul, has8bit);
          this.#state = State.LineStart;
          this.#lineOctets = 0;
          return { used: i + 1, done: true };
        }
        bareCr = true;
      } else if (byte === LF) { // AfterCr: the CRLF that ends a line
        state = State.LineStart;
        lineOctets = 0;
        i++;
        continue;
      } else bareCr = true;
      // Any other byte is the middle of a line: the loop above takes it (not consumed here).
      state = State.Middle;
    }
    const keepCr = state === State.AfterDotCr ? 1 : 0;
    this.#emit(chunk.subarray(segmentStart, chunk.length - keepCr));
    this.#fold(bareCr, bareLf, nul, has8bit);
    this.#state = state;
    this.#lineOctets = lineOctets;
    return { used: chunk.length, done: false };
  }

  #fold(bareCr: boolean, bareLf: boolean, nul: boolean, has8bit: boolean): void {
    if (bareCr) this.violations.bareCr = true;
    if (bareLf) this.violations.bareLf = true;
    if (nul) this.violations.nul = true;
    if (has8bit) this.has8bitBytes = true;
  }
}
