/**
 * Durable file writes, the one module for them (the spool owns durability):
 * `writeFileDurably` (a new file, fsynced), `writeFileAtomic` (replace a file
 * via tmp, fsync, rename, fsync of the directory) and `syncDir`.
 *
 * Group commit for directory fsyncs: callers that rename into the same
 * directory while a sync is running share the next sync instead of each
 * paying for their own. A caller's rename is durable once its promise resolves.
 */

import { basename, dirname, join } from "node:path";
import type { SpareFiles } from "./spare_files.ts";
import { randomHex } from "../log/mod.ts";
import { flush } from "./flush.ts";
import { concat } from "./message_buffer.ts";

interface DirState {
  running: Promise<void> | null;
  next: Promise<void> | null;
}

const states = new Map<string, DirState>();

/** Open directory handles, reused across syncs (bounded: oldest closed first). */
const handles = new Map<string, { file: Deno.FsFile; ino: number | null }>();
const MAX_OPEN_HANDLES = 128;

function closeQuietly(file: Deno.FsFile): void {
  try {
    file.close();
  } catch { /* already closed */ }
}

/**
 * The handle for `dir`, reopened when the path now names another directory
 * (a folder deleted and created again): fsyncing the old one would make
 * nothing in the new one durable. One stat per sync is cheap next to the fsync.
 */
async function handleFor(dir: string): Promise<Deno.FsFile> {
  const current = Deno.statSync(dir).ino;
  const cached = handles.get(dir);
  if (cached && cached.ino === current) return cached.file;
  if (cached) {
    handles.delete(dir);
    closeQuietly(cached.file);
  }
  const file = await Deno.open(dir, { read: true });
  handles.set(dir, { file, ino: current });
  if (handles.size > MAX_OPEN_HANDLES) {
    const [oldest, old] = handles.entries().next().value as [string, { file: Deno.FsFile }];
    handles.delete(oldest);
    // A sync of that folder in progress uses the handle: close it once that is done.
    const running = states.get(oldest)?.running;
    const close = () => closeQuietly(old.file);
    if (running) running.then(close, close);
    else close();
  }
  return file;
}

async function syncOnce(dir: string): Promise<void> {
  const handle = await handleFor(dir);
  try {
    await flush(handle, "all");
  } catch (error) {
    // The directory may have been removed: forget the handle.
    handles.delete(dir);
    closeQuietly(handle);
    throw error;
  }
}

/** How many folders have a sync running or waiting (for tests: none once all are done). */
export function dirSyncsInFlight(): number {
  return states.size;
}

/** Makes every rename already done in `dir` durable. */
export function syncDir(dir: string): Promise<void> {
  let state = states.get(dir);
  if (!state) {
    state = { running: null, next: null };
    states.set(dir, state);
  }
  const s = state;
  if (!s.running) {
    s.running = syncOnce(dir).finally(() => {
      s.running = null;
      // Forgotten once nothing waits: a folder synced once (one made and deleted) must not
      // keep its entry for as long as the server runs.
      if (!s.next && states.get(dir) === s) states.delete(dir);
    });
    return s.running;
  }
  // A sync is running but may have started before our rename: join the next one.
  if (!s.next) {
    s.next = s.running.catch(() => {}).then(() => {
      s.next = null;
      return syncDir(dir);
    });
  }
  return s.next;
}

const soonSyncs = new Map<string, Promise<void>>();

/**
 * Like `syncDir`, for work nobody waits on: every caller within `delayMs`
 * shares one sync of `dir`, started when the window closes (so it covers
 * every rename they made before asking).
 */
export function syncDirSoon(dir: string, delayMs: number): Promise<void> {
  let batch = soonSyncs.get(dir);
  if (!batch) {
    batch = new Promise<void>((resolve) => setTimeout(resolve, delayMs)).then(() => {
      soonSyncs.delete(dir); // later callers start a new window
      return syncDir(dir);
    });
    soonSyncs.set(dir, batch);
  }
  return batch;
}

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

/** Writes every chunk at the file's position, inline (page-cache work only); returns the bytes. */
function writeChunksSync(file: Deno.FsFile, chunks: readonly Uint8Array[]): number {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const parts = chunks.length > 1 && total <= COALESCE_BYTES ? [concat(chunks)] : chunks;
  for (const part of parts) {
    let offset = 0;
    while (offset < part.length) offset += file.writeSync(part.subarray(offset));
  }
  return total;
}

/**
 * Writes `chunks` to a new file at `path` and fsyncs it (data and size); if
 * that fails, the file is removed again.
 */
export async function writeFileDurably(
  path: string,
  chunks: readonly Uint8Array[],
  options: { mode?: number } = {},
): Promise<void> {
  // Creating and writing only touch the page cache: done inline, they cost less
  // than a trip through the I/O thread pool each. Only the fsync waits for the disk.
  const file = Deno.openSync(path, { write: true, createNew: true, mode: options.mode ?? 0o600 });
  let isWritten = false;
  try {
    writeChunksSync(file, chunks);
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
