/**
 * A message as this server stores it: every line ending in CRLF. A client
 * may APPEND one with bare LFs (a script, a mobile client building it on
 * Unix), but a message's lines end in CRLF (RFC 5322 2.1, 2.3; RFC 9051
 * 6.3.12 and 2.3.4 make APPEND's literal such a message and count sizes in
 * it). Stored as sent, FETCH would hand other clients bare LFs, and
 * RFC822.SIZE would not be what they read. So a bare LF becomes CRLF; a CR
 * alone stays, as Dovecot stores and serves it and as line_ends.ts serves
 * other programs' files, so a message reads the same whichever way it came.
 */
import { CrlfLines } from "./line_ends.ts";

/** How much of a message is converted at a time while it is written. */
export const CONVERT_PIECE_BYTES = 64 * 1024;

/** A message's stored bytes: their size, and the pieces to write them from. */
export interface CrlfMessage {
  sizeBytes: number;
  /**
   * `chunks` itself when no line end changes; else made one piece at a time
   * as they are taken (once only), so a big message is never held twice.
   */
  pieces: Iterable<Uint8Array>;
}

/** `chunks` (one message) with CRLF line ends, its size counted without a copy. */
export function crlfMessage(chunks: readonly Uint8Array[]): CrlfMessage {
  const counter = new CrlfLines();
  let sizeBytes = 0;
  for (const chunk of chunks) {
    counter.count(chunk);
    sizeBytes += chunk.length;
  }
  if (counter.addedBytes === 0) return { sizeBytes, pieces: chunks };
  return { sizeBytes: sizeBytes + counter.addedBytes, pieces: convertedPieces(chunks) };
}

function* convertedPieces(chunks: readonly Uint8Array[]): Generator<Uint8Array> {
  const lines = new CrlfLines();
  for (const chunk of chunks) {
    for (let at = 0; at < chunk.length; at += CONVERT_PIECE_BYTES) {
      yield lines.convert(chunk.subarray(at, at + CONVERT_PIECE_BYTES));
    }
  }
}
