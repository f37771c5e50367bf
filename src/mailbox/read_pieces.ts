/**
 * Reading a message file in pieces, for work that needs every byte but not
 * all of them at once (POP3 sizes, RETR): memory stays one piece, however
 * big the message and however many clients read it.
 */

/** How much of a file one piece holds. */
export const PIECE_BYTES = 256 * 1024;

/**
 * Called with each piece in order; false stops the reading. A piece is a
 * view of one buffer that is read into again once the call (and the promise
 * it returns) is done: copy what must outlive it.
 */
export type PieceVisitor = (piece: Uint8Array) => boolean | void | Promise<boolean | void>;

/**
 * Reads `path` from byte `fromByte` to its end (as it is now) piece by
 * piece; throws `Deno.errors.NotFound` at the open, before any piece, when
 * it is gone.
 */
export async function readPieces(path: string, visit: PieceVisitor, fromByte = 0): Promise<void> {
  const file = await Deno.open(path, { read: true });
  try {
    if (fromByte > 0) await file.seek(fromByte, Deno.SeekMode.Start);
    // No bigger than the file: a POP3 login counts thousands of small messages, each with a
    // buffer of its own (a file that grows meanwhile is read on in pieces of that size).
    const left = (await file.stat()).size - fromByte;
    const buffer = new Uint8Array(Math.max(1, Math.min(PIECE_BYTES, left)));
    while (true) {
      const n = await file.read(buffer);
      if (n === null) return;
      if (await visit(buffer.subarray(0, n)) === false) return;
    }
  } finally {
    file.close();
  }
}

/**
 * The bytes of `path` from `fromByte`, at most `maxBytes` of them (fewer
 * where the file ends sooner): a partial FETCH of a big message reads only
 * its range. `read` is `readPieces` over the file, with its errors.
 */
export async function readRange(
  read: (visit: PieceVisitor, fromByte: number) => Promise<void>,
  range: { fromByte: number; maxBytes: number },
): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  let total = 0;
  if (range.maxBytes > 0) {
    await read((piece) => {
      const taken = piece.slice(0, range.maxBytes - total);
      pieces.push(taken);
      total += taken.length;
      return total < range.maxBytes;
    }, range.fromByte);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const piece of pieces) {
    out.set(piece, offset);
    offset += piece.length;
  }
  return out;
}
