/** Reading a whole (possibly big) file without holding it twice. */
import type { FileHandle } from "node:fs/promises";

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
 * `readWholeFile`, but only if what `path` opens is the file looked at
 * (`seen`: its inode and size, a regular file), and only if it stays so
 * while read: null if it was replaced meanwhile, by another file or by a
 * symlink (not followed), or changed in place (a producer that still holds it
 * open rewrote or extended it), so that what is read is never a file cut
 * short nor one grown past the size checked at the look. For a path in a
 * folder other users may write (the pickup folder): a FIFO put there after
 * the look is opened without waiting (O_NONBLOCK), since a plain open of a
 * FIFO waits for a writer that never comes, and with it the pickup watcher
 * and the server's stop (a member of the pickup group renamed one over a
 * claimed file, and the server hung). Deno.open takes no such flags, node:fs
 * does. A refusal is thrown as Deno's PermissionDenied, a file gone as
 * NotFound.
 */
export async function readSameFile(
  path: string,
  seen: { ino: number | null; size: number },
): Promise<Uint8Array | null> {
  let handle: FileHandle;
  try {
    // Loaded on first use (~5 MB of RSS an idle server need not carry), and looked up at
    // each call (not destructured): tests stand in for it, as for Deno.open.
    const { constants, promises } = await import("node:fs");
    handle = await promises.open(
      path,
      constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW,
    );
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === "ELOOP") return null; // a symlink (O_NOFOLLOW)
    if (code === "EACCES" || code === "EPERM") {
      throw new Deno.errors.PermissionDenied((error as Error).message);
    }
    if (code === "ENOENT") throw new Deno.errors.NotFound((error as Error).message);
    throw error;
  }
  try {
    const before = await handle.stat();
    if (!before.isFile() || before.ino !== seen.ino || before.size !== seen.size) return null;
    const bytes = await readHandle(handle, before.size);
    // Written meanwhile: what was read may mix two versions, or stop short of the new one.
    const after = await handle.stat();
    const isSame = bytes.length === before.size && after.size === before.size &&
      after.mtimeMs === before.mtimeMs && after.ctimeMs === before.ctimeMs;
    return isSame ? bytes : null;
  } finally {
    await handle.close();
  }
}

/** The `size` bytes of an open node:fs file, piece by piece (shorter if it shrank meanwhile). */
async function readHandle(handle: FileHandle, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let got = 0;
  while (got < size) {
    const length = Math.min(size - got, READ_PIECE_BYTES);
    const { bytesRead } = await handle.read(out, got, length, null);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === size ? out : out.subarray(0, got);
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
