/**
 * Flushing a file or a directory to disk: inline, or on the I/O thread pool.
 *
 * Deno's async fsync hands the call to a pool thread and wakes the event
 * loop when it is done: two thread switches, about 100 us on a small VM, on
 * top of the disk's own time. When one client is all the server is serving,
 * that handoff is most of what the client waits for beyond the disk, and
 * the event loop has nothing else to do meanwhile, so the flush is done
 * inline. With more clients, flushes go to the pool, where they overlap (and
 * share directory syncs). After an inline flush that was slow (a busy disk
 * would stall everyone), flushes stay on the pool for a while.
 */

/** An inline flush slower than this sends flushes to the pool for POOL_AFTER_SLOW_MS. */
const SLOW_INLINE_MS = 5;
const POOL_AFTER_SLOW_MS = 10_000;

let isServingOne: () => boolean = () => false;
let poolUntilMs = 0;

/**
 * Flushes inline whenever `predicate()` says one client is all there is
 * (the server sets this at start; by default every flush goes to the pool).
 */
export function flushInlineWhen(predicate: () => boolean): void {
  isServingOne = predicate;
  poolUntilMs = 0;
}

/** fdatasync (`"data"`: contents and size) or fsync (`"all"`) of `file`. */
export async function flush(file: Deno.FsFile, what: "data" | "all"): Promise<void> {
  if (!isServingOne() || performance.now() < poolUntilMs) {
    await (what === "data" ? file.syncData() : file.sync());
    return;
  }
  const started = performance.now();
  if (what === "data") file.syncDataSync();
  else file.syncSync();
  if (performance.now() - started > SLOW_INLINE_MS) {
    poolUntilMs = performance.now() + POOL_AFTER_SLOW_MS;
  }
}
