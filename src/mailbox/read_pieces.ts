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
 * Reads `path` from its start to its end (as it is now) piece by piece;
 * throws `Deno.errors.NotFound` at the open, before any piece, when it is gone.
 */
export async function readPieces(path: string, visit: PieceVisitor): Promise<void> {
  const file = await Deno.open(path, { read: true });
  try {
    const buffer = new Uint8Array(PIECE_BYTES);
    while (true) {
      const n = await file.read(buffer);
      if (n === null) return;
      if (await visit(buffer.subarray(0, n)) === false) return;
    }
  } finally {
    file.close();
  }
}
