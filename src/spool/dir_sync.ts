/**
 * Directory fsyncs, with group commit: callers that rename into the same
 * directory while a sync is running share the next sync instead of each
 * paying for their own. A caller's rename is durable once its promise
 * resolves. Directory handles are kept open between syncs.
 */

import { flush } from "./flush.ts";

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
