/**
 * Spare files: empty files kept in `queue/spare/` so that accepting a
 * message never has to create one.
 *
 * Creating a file means allocating an inode, and on ext4 that is not cheap:
 * without a journal the allocator steps over every inode freed in the last
 * minutes (`recently_deleted`), so after a burst of deletions each create
 * costs up to a millisecond of CPU, on the thread that asked. A mail server
 * deletes a file for every message it finishes. So finished files are not
 * deleted: they are emptied and parked here, and the next message is written
 * into one of them (PostgreSQL recycles its WAL segments for the same reason).
 * While the server is quiet the pool is topped up to its target.
 *
 * Only the server process uses the pool; a spare's name means nothing and
 * its contents (after a crash, possibly an old message) are cut at reuse.
 */
import { join } from "node:path";

/** How long the pool waits after its last use (or its opening) before topping itself up. */
const REFILL_QUIET_MS = 1_000;
/**
 * Files created per refill step, on the main thread (async creates would
 * wake a pool thread each, and threads cost memory); the loop yields between
 * steps so a new connection waits at most one step.
 */
const REFILL_BATCH = 8;

/** A spare opened for writing, already emptied. */
export interface TakenSpare {
  path: string;
  file: Deno.FsFile;
}

/** The pool of spare files of one spool. Create with `SpareFiles.open`. */
export class SpareFiles {
  readonly dir: string;
  readonly #names: string[];
  readonly #target: number;
  readonly #max: number;
  /** Names this run gives to parked files: unique against any leftover of an earlier run. */
  readonly #prefix = `${Date.now().toString(36)}-${Deno.pid}-`;
  #counter = 0;
  /** When a spare was last taken or a file parked: the refill waits for a quiet spell. */
  #lastUseMs = Date.now();
  #refillTimer: ReturnType<typeof setTimeout> | null = null;
  #isRefilling = false;
  #isClosed = false;

  private constructor(dir: string, names: string[], options: { target: number; max: number }) {
    this.dir = dir;
    this.#names = names;
    this.#target = options.target;
    this.#max = Math.max(options.max, options.target);
  }

  /**
   * Opens the pool in `dir` (created if missing) with the spares already
   * there, and starts topping it up to `target` in the background. At most
   * `max` files are ever parked; beyond that, finished files are deleted.
   */
  static async open(dir: string, options: { target: number; max: number }): Promise<SpareFiles> {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    const names: string[] = [];
    for await (const entry of Deno.readDir(dir)) if (entry.isFile) names.push(entry.name);
    const pool = new SpareFiles(dir, names, options);
    pool.#scheduleRefill();
    return pool;
  }

  /** Spares ready now. */
  get count(): number {
    return this.#names.length;
  }

  /** Whether `path` names a file of this pool. */
  owns(path: string): boolean {
    return path.startsWith(this.dir + "/");
  }

  /**
   * Takes a spare and opens it for writing, emptied; null when none is left
   * (or the one taken has gone: the caller then creates a file as before).
   * The caller owns the file until it renames it away or gives it back.
   */
  take(): TakenSpare | null {
    this.#lastUseMs = Date.now();
    this.#scheduleRefill();
    while (this.#names.length > 0) {
      const path = join(this.dir, this.#names.pop()!);
      try {
        return { path, file: Deno.openSync(path, { write: true, truncate: true }) };
      } catch {
        // Removed behind our back: try the next one.
      }
    }
    return null;
  }

  /** Returns a taken spare that was not used (a failed write); it is emptied at its next use. */
  giveBack(path: string): void {
    if (!this.owns(path)) return;
    this.#names.push(path.slice(this.dir.length + 1));
  }

  /**
   * Removes `path` from where it is (a finished queue file, an expunged
   * message) as `Deno.remove` would, but keeps its inode as a spare when
   * the pool has room and `path` is the file's only name: a file still
   * linked elsewhere (the same message in another mailbox) is never emptied.
   * Rejects with NotFound like `Deno.remove` when `path` does not exist. The
   * name is gone when this returns; emptying the file (freeing its blocks)
   * happens off the main thread.
   */
  recycle(path: string): Promise<void> {
    this.#lastUseMs = Date.now();
    if (this.#isClosed || this.#names.length >= this.#max) return Deno.remove(path);
    const name = this.#prefix + (++this.#counter).toString(36);
    const parked = join(this.dir, name);
    try {
      Deno.renameSync(path, parked);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return Promise.reject(error);
      return Deno.remove(path); // another file system, say: delete as before
    }
    let isOnlyName = false;
    try {
      isOnlyName = Deno.lstatSync(parked).nlink === 1;
    } catch { /* gone already */ }
    if (!isOnlyName) return Deno.remove(parked).catch(() => {});
    return Deno.truncate(parked, 0).then(
      () => void this.#names.push(name),
      () => Deno.remove(parked).catch(() => {}),
    );
  }

  /** Stops the background refill (the server is stopping). */
  close(): void {
    this.#isClosed = true;
    if (this.#refillTimer !== null) clearTimeout(this.#refillTimer);
    this.#refillTimer = null;
  }

  /** Tops the pool up once the spool has been quiet for a while: never while mail is moving. */
  #scheduleRefill(): void {
    if (this.#isClosed || this.#refillTimer !== null || this.#names.length >= this.#target) return;
    const quietFor = Date.now() - this.#lastUseMs;
    const timer = setTimeout(() => {
      this.#refillTimer = null;
      if (Date.now() - this.#lastUseMs < REFILL_QUIET_MS) this.#scheduleRefill();
      else void this.#refill();
    }, Math.max(0, REFILL_QUIET_MS - quietFor));
    this.#refillTimer = timer;
    Deno.unrefTimer(timer);
  }

  /** Creates spares until the target is reached, a few at a time, while the spool stays quiet. */
  async #refill(): Promise<void> {
    if (this.#isRefilling) return;
    this.#isRefilling = true;
    try {
      while (
        !this.#isClosed && this.#names.length < this.#target &&
        Date.now() - this.#lastUseMs >= REFILL_QUIET_MS
      ) {
        let made = 0;
        for (let i = 0; i < REFILL_BATCH && this.#names.length < this.#target; i++) {
          const name = this.#createOne();
          if (name === null) break;
          this.#names.push(name);
          made++;
        }
        if (made === 0) break; // disk full or gone: try again after the next quiet spell
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    } finally {
      this.#isRefilling = false;
    }
    this.#scheduleRefill(); // interrupted by new mail: carry on when it is quiet again
  }

  #createOne(): string | null {
    const name = this.#prefix + (++this.#counter).toString(36);
    try {
      Deno.openSync(join(this.dir, name), { write: true, createNew: true, mode: 0o600 }).close();
      return name;
    } catch {
      return null;
    }
  }
}
