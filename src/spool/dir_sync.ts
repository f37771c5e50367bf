/**
 * Group commit for directory fsyncs: callers that rename into the same
 * directory while a sync is running share the next sync instead of each
 * paying for their own. A caller's rename is durable once its promise resolves.
 */

interface DirState {
  running: Promise<void> | null;
  next: Promise<void> | null;
}

const states = new Map<string, DirState>();

/** Open directory handles, reused across syncs (bounded: oldest closed first). */
const handles = new Map<string, Deno.FsFile>();
const MAX_OPEN_HANDLES = 128;

async function syncOnce(dir: string): Promise<void> {
  let handle = handles.get(dir);
  if (!handle) {
    handle = await Deno.open(dir, { read: true });
    handles.set(dir, handle);
    if (handles.size > MAX_OPEN_HANDLES) {
      const [oldest, old] = handles.entries().next().value as [string, Deno.FsFile];
      handles.delete(oldest);
      if (!states.get(oldest)?.running) old.close();
    }
  }
  try {
    await handle.sync();
  } catch (error) {
    // The directory may have been replaced or removed: forget the handle.
    handles.delete(dir);
    try {
      handle.close();
    } catch { /* already closed */ }
    throw error;
  }
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

/** Writes `chunks` to a new file at `path` and fsyncs it (data and size). */
export async function writeFileDurably(
  path: string,
  chunks: readonly Uint8Array[],
  options: { mode?: number } = {},
): Promise<void> {
  const file = await Deno.open(path, { write: true, createNew: true, mode: options.mode ?? 0o600 });
  try {
    for (const chunk of chunks) {
      let offset = 0;
      while (offset < chunk.length) offset += await file.write(chunk.subarray(offset));
    }
    await file.syncData();
  } finally {
    file.close();
  }
}
