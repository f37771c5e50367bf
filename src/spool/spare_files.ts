/**
 * Spare files: files kept in `queue/spare/` so that accepting a message
 * never has to create one, and finishing one never has to free one.
 *
 * On these ext4 disks both ends are dear. Creating a file allocates an
 * inode, and without a journal the allocator steps over every inode freed
 * in the last minutes (`recently_deleted`): after a burst of deletions each
 * create costs up to a millisecond of CPU. Freeing a file's blocks (unlink,
 * truncate) costs some 50 us more with `discard`. A mail server frees a file
 * for every message it finishes. So a finished file is parked here as it is,
 * and the next message is written over it in place: no inode allocated, no
 * block freed or allocated when the new message is no smaller (PostgreSQL
 * recycles its WAL segments the same way).
 *
 * While the spool is quiet, parked files are emptied (a deleted message
 * does not linger), files beyond what the pool keeps are deleted, and the
 * pool is topped up to its target.
 *
 * Only the server process uses the pool, and only one at a time (it holds
 * `spare.lock` locked): two processes would hand one spare to two writers.
 * A spare's name means nothing; what is in it (an old message, or half of a
 * new one after a crash) is garbage that the next writer overwrites and cuts
 * to length.
 */
import { dirname, join } from "node:path";
import { newId } from "../log/mod.ts";
import { syncDirSoon } from "./dir_sync.ts";
import { isPrivateToUs, scanSpares, type Spare } from "./spare_eligibility.ts";

/**
 * Only files up to this size are parked, and at most this many bytes of
 * finished mail are held at once: a big file's blocks are worth freeing now,
 * and a server that is never quiet must not fill its disk with deleted mail.
 */
const MAX_PARKED_FILE_BYTES = 1024 * 1024;
const MAX_HELD_BYTES = 64 * 1024 * 1024;
/** Recycled files from one directory gathered this long share one sync of it. */
const QUARANTINE_MS = 100;
/** How long the spool must be quiet (no take, no park) before the pool tidies itself. */
const QUIET_MS = 1_000;
/**
 * A parked file still holding a deleted message is emptied after this long
 * even if the spool is never quiet (spares are taken newest first, so under
 * steady load the oldest would otherwise keep their bytes for good).
 */
const MAX_LINGER_MS = 60_000;
/**
 * Files emptied or created per tidying step, on the main thread (async calls
 * would wake a pool thread each, and threads cost memory); the loop yields
 * between steps so a new connection waits at most one step.
 */
const STEP_FILES = 8;
/** Next to the folder (`spare.lock`), held locked (flock) by the process that owns the pool. */
const LOCK_SUFFIX = ".lock";

/** A spare opened for writing at offset 0; `size` bytes of old content may follow. */
export interface TakenSpare {
  path: string;
  file: Deno.FsFile;
  size: number;
}

/** The pool of spare files of one spool. Create with `SpareFiles.open`. */
export class SpareFiles {
  readonly dir: string;
  readonly #spares: Spare[];
  readonly #target: number;
  readonly #max: number;
  readonly #keep: number;
  readonly #quietMs: number;
  readonly #lock: Deno.FsFile;
  /** Names this run gives to parked files: unique against any leftover of an earlier run. */
  readonly #prefix = `${newId()}-`;
  #counter = 0;
  /** Parked files that still hold bytes (emptied when the spool is quiet). */
  #unemptied = 0;
  /** Bytes held by parked and waiting files (deleted mail, until emptied or overwritten). */
  #heldBytes = 0;
  /** Recycled files waiting for their old directory's sync before they join the pool. */
  #pending = 0;
  /** When a spare was last taken or a file parked; monotonic, or a clock set back keeps mail. */
  #lastUseMs = performance.now();
  #tidyTimer: ReturnType<typeof setTimeout> | null = null;
  #lingerTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #lingerMs: number;
  #isTidying = false;
  #isClosed = false;

  private constructor(
    dir: string,
    spares: Spare[],
    options: {
      target: number;
      max: number;
      keep?: number;
      quietMs?: number;
      lingerMs?: number;
      lock: Deno.FsFile;
    },
  ) {
    this.dir = dir;
    this.#lock = options.lock;
    this.#spares = spares;
    this.#unemptied = spares.filter((spare) => spare.size > 0).length;
    this.#target = options.target;
    this.#max = Math.max(options.max, options.target);
    this.#keep = Math.min(this.#max, Math.max(options.keep ?? this.#max, options.target));
    this.#quietMs = options.quietMs ?? QUIET_MS;
    this.#lingerMs = options.lingerMs ?? MAX_LINGER_MS;
  }

  /**
   * Opens the pool in `dir` (created if missing) with the files already
   * there, and tidies it once the spool is quiet: parked files emptied, the
   * pool filled to `target`. At most `max` files are parked; beyond that,
   * finished files are deleted. Once quiet, the pool deletes what it holds
   * beyond `keep` (default `max`): a backlog's finished files are parked
   * while mail moves, and their inodes given back when it has stopped.
   * `quietMs` and `lingerMs` (tests) override how long the spool must be
   * quiet before tidying, and how long a parked file may keep its bytes
   * while it is not. Null when another process holds the pool (a second
   * server on the same spool): it must run without one.
   */
  static async open(
    dir: string,
    options: { target: number; max: number; keep?: number; quietMs?: number; lingerMs?: number },
  ): Promise<SpareFiles | null> {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    const lock = await Deno.open(dir + LOCK_SUFFIX, { write: true, create: true, mode: 0o600 });
    if (!lock.tryLockSync(true)) {
      lock.close();
      return null;
    }
    const spares = await scanSpares(dir);
    const pool = new SpareFiles(dir, spares, { ...options, lock });
    pool.#scheduleTidy();
    return pool;
  }

  /** Files in the pool now. */
  get count(): number {
    return this.#spares.length;
  }

  /** Whether `path` names a file of this pool. */
  owns(path: string): boolean {
    return path.startsWith(this.dir + "/");
  }

  /**
   * Takes a spare and opens it for writing at offset 0; null when none is
   * left (the caller then creates a file as before). The caller owns it
   * until it renames it away or gives it back, and must cut it to the
   * length it wrote (`writeFreshFileDurably` does).
   */
  take(): TakenSpare | null {
    if (this.#isClosed) return null; // the lock is released: another server may own the files
    this.#lastUseMs = performance.now();
    this.#scheduleTidy();
    while (this.#spares.length > 0) {
      const spare = this.#spares.pop()!;
      if (spare.size > 0) this.#unemptied--;
      this.#heldBytes -= spare.size;
      const path = `${this.dir}/${spare.name}`;
      try {
        return { path, file: Deno.openSync(path, { write: true }), size: spare.size };
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) continue; // removed behind our back
        // Out of descriptors, say: the file is still a spare, and so are the others.
        this.#park(spare.name, spare.size);
        this.#heldBytes += spare.size;
        return null;
      }
    }
    return null;
  }

  /** Returns a taken spare that was not used (a failed write), holding at most `size` bytes. */
  giveBack(path: string, size: number): void {
    if (!this.owns(path)) return;
    this.#heldBytes += size;
    this.#park(path.slice(this.dir.length + 1), size);
  }

  /**
   * Removes `path` from where it is (a finished queue file, an expunged
   * message) as `Deno.remove` would, but keeps the file as a spare when the
   * pool has room and `path` is its only name: a file still linked elsewhere
   * (the same message in another mailbox) is never reused. Rejects with
   * NotFound like `Deno.remove` when `path` does not exist.
   *
   * The file joins the pool only once its old directory is synced: without
   * a journal, a spare written over before the removal of its old name is
   * on disk could, after a power cut, show up under that name again with
   * another message (another user's) in it. The caller does not wait for
   * that: the files recycled out of one directory within QUARANTINE_MS share
   * one sync.
   */
  recycle(path: string): Promise<void> {
    this.#lastUseMs = performance.now();
    if (this.#isClosed || this.#spares.length + this.#pending >= this.#max) {
      return Deno.remove(path);
    }
    const name = this.#prefix + (++this.#counter).toString(36);
    const parked = `${this.dir}/${name}`;
    try {
      Deno.renameSync(path, parked);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return Promise.reject(error);
      return Deno.remove(path); // another file system, say: delete as before
    }
    let info: Deno.FileInfo | null = null;
    try {
      info = Deno.lstatSync(parked);
    } catch { /* gone already */ }
    if (info === null || info.nlink !== 1 || !isPrivateToUs(info)) {
      return Deno.remove(parked).catch(() => {});
    }
    const size = info.size;
    if (size > MAX_PARKED_FILE_BYTES || this.#heldBytes + size > MAX_HELD_BYTES) {
      // A big file is worth its blocks back now: parked, it would hold disk space until a quiet spell.
      return Deno.remove(parked).catch(() => {});
    }
    this.#heldBytes += size;
    this.#quarantine(dirname(path) || ".", { name, size });
    return Promise.resolve();
  }

  /** Stops tidying and lets another process have the pool (the server is stopping). */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    try {
      this.#lock.close(); // closing releases the lock
    } catch { /* already closed */ }
    if (this.#tidyTimer !== null) clearTimeout(this.#tidyTimer);
    this.#tidyTimer = null;
    if (this.#lingerTimer !== null) clearTimeout(this.#lingerTimer);
    this.#lingerTimer = null;
  }

  /** Holds a recycled file until `oldDir` (where its old name was) has been synced. */
  #quarantine(oldDir: string, spare: Spare): void {
    this.#pending++;
    syncDirSoon(oldDir, QUARANTINE_MS).then(() => {
      this.#pending--;
      // A closed pool lends nothing: the file keeps its bytes and the next start deletes it.
      if (this.#isClosed) return;
      this.#park(spare.name, spare.size);
      this.#scheduleTidy();
    }, () => {
      this.#pending--;
      this.#heldBytes -= spare.size;
      // The old name may come back: never reuse this file.
      Deno.remove(join(this.dir, spare.name)).catch(() => {});
    });
  }

  #park(name: string, size: number): void {
    this.#spares.push(size === 0 ? { name, size } : { name, size, parkedAtMs: performance.now() });
    if (size === 0) return;
    this.#unemptied++;
    this.#scheduleLingerCheck(this.#lingerMs);
  }

  #scheduleLingerCheck(delayMs: number): void {
    if (this.#isClosed || this.#lingerTimer !== null) return;
    const timer = setTimeout(() => {
      this.#lingerTimer = null;
      this.#emptyLingering();
    }, delayMs);
    this.#lingerTimer = timer;
    Deno.unrefTimer(timer);
  }

  /**
   * Empties the parked files that have held their bytes for MAX_LINGER_MS,
   * busy or not, a step at a time (mail keeps flowing between steps).
   */
  #emptyLingering(): void {
    const now = performance.now();
    let nextDueMs = Infinity;
    let done = 0;
    for (let i = this.#spares.length - 1; i >= 0; i--) {
      const spare = this.#spares[i]!;
      if (spare.size === 0) continue;
      const dueMs = (spare.parkedAtMs ?? 0) + this.#lingerMs;
      if (dueMs > now || done === STEP_FILES) nextDueMs = Math.min(nextDueMs, dueMs);
      else {
        this.#empty(i);
        done++;
      }
    }
    if (nextDueMs !== Infinity) this.#scheduleLingerCheck(Math.max(0, nextDueMs - now));
  }

  /** Empties the parked file at `index`; one that is gone or unusable is forgotten. */
  #empty(index: number): void {
    const spare = this.#spares[index]!;
    this.#heldBytes -= spare.size;
    this.#unemptied--;
    try {
      Deno.truncateSync(join(this.dir, spare.name), 0);
      spare.size = 0;
    } catch {
      this.#spares.splice(index, 1);
    }
  }

  #hasWork(): boolean {
    return this.#unemptied > 0 || this.#spares.length < this.#target ||
      this.#spares.length > this.#keep;
  }

  /** Tidies once the spool has been quiet for a while: never while mail is moving. */
  #scheduleTidy(): void {
    if (this.#isClosed || this.#tidyTimer !== null || !this.#hasWork()) return;
    const quietFor = performance.now() - this.#lastUseMs;
    const timer = setTimeout(() => {
      this.#tidyTimer = null;
      if (performance.now() - this.#lastUseMs < this.#quietMs) this.#scheduleTidy();
      else void this.#tidy();
    }, Math.max(0, this.#quietMs - quietFor));
    this.#tidyTimer = timer;
    Deno.unrefTimer(timer);
  }

  /** Empties parked files, then creates spares up to the target, a step at a time. */
  async #tidy(): Promise<void> {
    if (this.#isTidying) return;
    this.#isTidying = true;
    try {
      while (
        !this.#isClosed && this.#hasWork() && performance.now() - this.#lastUseMs >= this.#quietMs
      ) {
        const done = this.#spares.length > this.#keep
          ? this.#trimSome()
          : this.#unemptied > 0
          ? this.#emptySome()
          : this.#createSome();
        if (done === 0) break; // disk full or gone: try again after the next quiet spell
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    } finally {
      this.#isTidying = false;
    }
    this.#scheduleTidy(); // interrupted by new mail: carry on when it is quiet again
  }

  /**
   * Deletes parked files beyond what the pool keeps once quiet, newest first:
   * those are the likeliest to still hold a message's bytes, which deleting
   * frees as emptying would.
   */
  #trimSome(): number {
    let done = 0;
    while (done < STEP_FILES && this.#spares.length > this.#keep) {
      const spare = this.#spares.pop()!;
      this.#heldBytes -= spare.size;
      if (spare.size > 0) this.#unemptied--;
      try {
        Deno.removeSync(join(this.dir, spare.name));
      } catch { /* gone already */ }
      done++;
    }
    return done;
  }

  #emptySome(): number {
    let done = 0;
    for (let i = this.#spares.length - 1; i >= 0 && done < STEP_FILES; i--) {
      if (this.#spares[i]!.size === 0) continue;
      this.#empty(i);
      done++;
    }
    return done;
  }

  #createSome(): number {
    let done = 0;
    while (done < STEP_FILES && this.#spares.length < this.#target) {
      const name = this.#prefix + (++this.#counter).toString(36);
      try {
        Deno.openSync(join(this.dir, name), { write: true, createNew: true, mode: 0o600 }).close();
      } catch {
        break;
      }
      this.#spares.push({ name, size: 0 });
      done++;
    }
    return done;
  }
}
