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
    return await readOpenFile(file, (await file.stat()).size);
  } finally {
    file.close();
  }
}

/**
 * `readWholeFile`, but only if what `path` opens is the file `ino` (a
 * regular file): null if it was replaced meanwhile, a symlink put in its
 * place included (the open follows it; the check of the open file does not).
 */
export async function readSameFile(path: string, ino: number | null): Promise<Uint8Array | null> {
  const file = await Deno.open(path, { read: true });
  try {
    const info = await file.stat();
    if (!info.isFile || info.ino !== ino) return null;
    return await readOpenFile(file, info.size);
  } finally {
    file.close();
  }
}

/** The `size` bytes of an open file from its position, read inline (a small file in the page cache). */
export function readOpenFileSync(file: Deno.FsFile, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let got = 0;
  while (got < size) {
    const n = file.readSync(out.subarray(got));
    if (n === null || n === 0) break; // shorter than it was: what there is
    got += n;
  }
  return got === size ? out : out.subarray(0, got);
}

/** The `size` bytes of an open file from its position, piece by piece through the I/O pool. */
export async function readOpenFile(file: Deno.FsFile, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let got = 0;
  while (got < size) {
    const n = await file.read(out.subarray(got, Math.min(size, got + READ_PIECE_BYTES)));
    if (n === null) break; // shorter than it was: what there is
    got += n;
  }
  return got === size ? out : out.subarray(0, got);
}
