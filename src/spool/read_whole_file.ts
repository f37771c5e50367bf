/** Reading a whole (possibly big) file without holding it twice. */

/** Past this size a file is worth reading with readWholeFile (below, readFile's one call is cheaper). */
export const BIG_FILE_BYTES = 1024 * 1024;

/** Read in pieces of this size into the one buffer. */
const READ_PIECE_BYTES = 1024 * 1024;

/**
 * A big file read into one buffer of its size, piece by piece through the
 * I/O pool: `Deno.readFile` holds it twice on the way (the runtime's copy and
 * ours), 80 MB for a 40 MB message. For queue files and mailbox messages
 * that may be big.
 */
export async function readWholeFile(path: string): Promise<Uint8Array> {
  const file = await Deno.open(path, { read: true });
  try {
    const size = (await file.stat()).size;
    const out = new Uint8Array(size);
    let got = 0;
    while (got < size) {
      const n = await file.read(out.subarray(got, Math.min(size, got + READ_PIECE_BYTES)));
      if (n === null) break; // shorter than it was: what there is
      got += n;
    }
    return got === size ? out : out.subarray(0, got);
  } finally {
    file.close();
  }
}
