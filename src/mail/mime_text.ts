/**
 * A message as the MIME parser reads it: a binary string (one char per
 * byte, see `bytesToBinary`) or the bytes themselves, with the same offsets.
 * Parsing the bytes spares a text copy of the whole message: BODYSTRUCTURE
 * of a 20 MB message held its bytes and a 20 MB string besides.
 */
import { Buffer } from "node:buffer";

const LF = 10;

/** What the parser asks of a message. */
export interface MimeText {
  readonly length: number;
  /** The offset of the next LF at or after `from`, or -1. */
  indexOfLf(from: number): number;
  /** The byte at `at` (NaN past the end). */
  codeAt(at: number): number;
  /** Whether the ASCII (or binary) string `prefix` stands at `at`. */
  startsWith(prefix: string, at: number): boolean;
  /** The bytes from `start` to `end` as a binary string. */
  slice(start: number, end: number): string;
}

/** `message` as a MimeText. */
export function mimeTextOf(message: string | Uint8Array): MimeText {
  if (typeof message === "string") {
    return {
      length: message.length,
      indexOfLf: (from) => message.indexOf("\n", from),
      codeAt: (at) => message.charCodeAt(at),
      startsWith: (prefix, at) => message.startsWith(prefix, at),
      slice: (start, end) => message.slice(start, end),
    };
  }
  return {
    length: message.length,
    indexOfLf: (from) => message.indexOf(LF, from),
    codeAt: (at) => at >= 0 && at < message.length ? message[at]! : NaN,
    startsWith: (prefix, at) => {
      if (at < 0 || at + prefix.length > message.length) return false;
      for (let i = 0; i < prefix.length; i++) {
        if (message[at + i] !== prefix.charCodeAt(i)) return false;
      }
      return true;
    },
    slice: (start, end) => {
      const from = Math.max(0, start);
      const to = Math.min(message.length, Math.max(from, end));
      return Buffer.from(message.buffer, message.byteOffset + from, to - from).toString("latin1");
    },
  };
}
