/**
 * Durable file writes, the one module for them (the spool owns durability):
 * `writeFileDurably` (a new file, fsynced), `writeFreshFileDurably` (a spare
 * file filled) and `writeFileAtomic` (replace a file via tmp, fsync, rename,
 * fsync of the directory: see dir_sync.ts).
 */

import { basename, dirname, join } from "node:path";
import type { SpareFiles } from "./spare_files.ts";
import { randomHex } from "../log/mod.ts";
import { flush } from "./flush.ts";
import { syncDir } from "./dir_sync.ts";

async function writeChunks(file: Deno.FsFile, chunks: readonly Uint8Array[]): Promise<void> {
  for (const chunk of chunks) {
    let offset = 0;
    while (offset < chunk.length) offset += await file.write(chunk.subarray(offset));
  }
}

/**
 * Below this many bytes, chunks are copied into one buffer and written with
 * one call: copying a few kilobytes costs far less than a write(2) each.
 */
const COALESCE_BYTES = 64 * 1024;

/**
 * Where the chunks are coalesced: one array for the process, since the write
 * that reads it is synchronous and nothing else runs meanwhile (a new array
 * per message was a 5 KB allocation and its zeroing, for every message).
 */
const coalesced = new Uint8Array(COALESCE_BYTES);

/**
 * Writes every chunk at the file's position, inline (page-cache work only); returns the bytes.
 * An iterable that is not an array is taken one chunk at a time, each written before the
 * next is asked for (chunks made as they are written, see crlf_message.ts).
 */
function writeChunksSync(file: Deno.FsFile, chunks: Iterable<Uint8Array>): number {
  let total = 0;
  if (Array.isArray(chunks)) {
    for (const chunk of chunks) total += chunk.length;
    if (chunks.length > 1 && total <= COALESCE_BYTES) {
      let at = 0;
      for (const chunk of chunks) {
        coalesced.set(chunk, at);
        at += chunk.length;
      }
      writeAllSync(file, coalesced.subarray(0, total));
    } else for (const chunk of chunks) writeAllSync(file, chunk);
    return total;
  }
  for (const chunk of chunks) {
    writeAllSync(file, chunk);
    total += chunk.length;
  }
  return total;
}

function writeAllSync(file: Deno.FsFile, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += file.writeSync(bytes.subarray(offset));
}

/**
 * Writes `chunks` to a new file at `path` and fsyncs it (data and size); if
 * that fails, the file is removed again. `mtimeMs` sets the file's mtime
 * (a Maildir message's received date, for other programs that read it there).
 */
export async function writeFileDurably(
  path: string,
  chunks: Iterable<Uint8Array>,
  options: { mode?: number; mtimeMs?: number } = {},
): Promise<void> {
  // Creating and writing only touch the page cache: done inline, they cost less
  // than a trip through the I/O thread pool each. Only the fsync waits for the disk.
  const file = Deno.openSync(path, { write: true, createNew: true, mode: options.mode ?? 0o600 });
  let isWritten = false;
  try {
    writeChunksSync(file, chunks);
    if (options.mtimeMs !== undefined) {
      const mtime = new Date(options.mtimeMs);
      file.utimeSync(mtime, mtime);
    }
    await flush(file, "data");
    isWritten = true;
  } finally {
    file.close();
    // A write cut short (a full disk) must not leave its part behind, keeping the space.
    if (!isWritten) await Deno.remove(path).catch(() => {});
  }
}

/**
 * Writes `chunks` durably to a file nobody can see yet and returns its path:
 * a spare from `spares` when one is ready (no inode to allocate), else a new
 * file at `fallbackPath`. The caller renames or links it into place, or hands
 * it to `discardFresh` if that fails.
 */
export async function writeFreshFileDurably(
  chunks: readonly Uint8Array[],
  fallbackPath: string,
  spares: SpareFiles | null,
): Promise<string> {
  const spare = spares?.take() ?? null;
  if (spare === null) {
    await writeFileDurably(fallbackPath, chunks);
    return fallbackPath;
  }
  // Written over the old bytes in place, then cut to length: no block is freed
  // or allocated unless the sizes differ.
  const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  try {
    writeChunksSync(spare.file, chunks);
    if (length < spare.size) spare.file.truncateSync(length);
    await flush(spare.file, "data");
  } catch (error) {
    // Its bytes are garbage now; emptied at once, they free their blocks for other writes
    // (a full disk) instead of holding them until the pool's next quiet second.
    let heldBytes = 0;
    try {
      spare.file.truncateSync(0);
    } catch {
      heldBytes = Math.max(spare.size, length);
    }
    spares!.giveBack(spare.path, heldBytes);
    throw error;
  } finally {
    spare.file.close();
  }
  return spare.path;
}

/** Undoes `writeFreshFileDurably` after a failed commit: a spare goes back, a new file goes. */
export async function discardFresh(path: string, spares: SpareFiles | null): Promise<void> {
  const info = spares?.owns(path) ? await Deno.lstat(path).catch(() => null) : null;
  // A spare still linked elsewhere (a link that could not be undone) is no spare any more.
  if (info !== null && info.nlink === 1) spares!.giveBack(path, info.size);
  else await Deno.remove(path).catch(() => {});
}

/**
 * Replaces `path` with `chunks` atomically and durably: a reader sees the old
 * file or the new one, never half of either, and the new one survives a crash
 * once this returns. The file gets exactly `mode` (default 0600), whatever the
 * umask. The temporary file is a sibling of `path` unless `tmpDir` (same file
 * system) is given; it is removed if the write or the rename fails.
 *
 * On Windows directories cannot be opened, so the directory fsync is skipped.
 */
export async function writeFileAtomic(
  path: string,
  chunks: readonly Uint8Array[],
  options: { mode?: number; tmpDir?: string } = {},
): Promise<void> {
  const mode = options.mode ?? 0o600;
  const tmpName = `${basename(path)}.tmp-${randomHex(6)}`;
  const tmpPath = join(options.tmpDir ?? dirname(path), tmpName);
  const file = await Deno.open(tmpPath, { write: true, createNew: true, mode });
  try {
    try {
      await writeChunks(file, chunks);
      if (Deno.build.os !== "windows") await Deno.chmod(tmpPath, mode);
      await flush(file, "all");
    } finally {
      file.close();
    }
    await Deno.rename(tmpPath, path);
  } catch (error) {
    await Deno.remove(tmpPath).catch(() => {});
    throw error;
  }
  if (Deno.build.os !== "windows") await syncDir(dirname(path) || ".");
}
