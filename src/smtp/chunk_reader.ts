/**
 * Reads one BDAT chunk (RFC 3030): exactly `sizeBytes` octets, no
 * dot-stuffing. Line endings are checked as for DATA (bare CR, bare LF and
 * NUL make the message unacceptable), across chunk boundaries too.
 */
import type { DataViolations } from "./data_decoder.ts";

const CR = 13;
const LF = 10;
const MAX_LINE_OCTETS = 998;

/** Line-ending state carried from one BDAT chunk to the next. */
export class LineEndingChecker {
  readonly violations: DataViolations = {
    bareCr: false,
    bareLf: false,
    nul: false,
    longLine: false,
    tooBig: false,
  };
  /** Whether any octet had the high bit set. */
  has8bitBytes = false;
  #isAfterCr = false;
  #lineOctets = 0;

  /** Checks `bytes`, continuing from the previous call. */
  check(bytes: Uint8Array): void {
    const v = this.violations;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i] as number;
      if (this.#isAfterCr) {
        this.#isAfterCr = false;
        if (byte === LF) {
          this.#lineOctets = 0;
          continue;
        }
        v.bareCr = true;
      }
      if (byte === CR) {
        this.#isAfterCr = true;
        continue;
      }
      if (byte === LF) v.bareLf = true;
      else if (byte === 0) v.nul = true;
      else if (byte > 0x7f) this.has8bitBytes = true;
      // Text octets only, so a last line without CRLF is measured too.
      if (++this.#lineOctets > MAX_LINE_OCTETS) v.longLine = true;
    }
  }

  /** Called after the LAST chunk: a trailing CR is a bare CR. */
  finish(): void {
    if (this.#isAfterCr) this.violations.bareCr = true;
  }
}

/** Consumes exactly `sizeBytes` from the connection and passes them on. */
export class ChunkReader {
  #remaining: number;
  readonly #onBytes: (bytes: Uint8Array) => void;

  constructor(options: { sizeBytes: number; onBytes: (bytes: Uint8Array) => void }) {
    this.#remaining = options.sizeBytes;
    this.#onBytes = options.onBytes;
  }

  push(chunk: Uint8Array): { used: number; done: boolean } {
    const used = Math.min(chunk.length, this.#remaining);
    if (used > 0) this.#onBytes(chunk.subarray(0, used));
    this.#remaining -= used;
    return { used, done: this.#remaining === 0 };
  }
}
