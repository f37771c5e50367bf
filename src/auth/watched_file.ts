/**
 * A parsed file that reloads itself when it changes on disk.
 *
 * The server runs for months while `pillarbox user add` rewrites the users
 * file from another process. Instead of reading the file on every lookup, a
 * `WatchedFile` stats it at most once per `checkIntervalMs` and parses it
 * again only when its identity (inode, size, mtime, ctime) changed.
 */

/** Options for {@link WatchedFile}. */
export type WatchedFileOptions<T> = {
  path: string;
  /** Reads and parses the file; a missing file should yield an empty value, not throw. */
  load: (path: string) => Promise<T>;
  /** Minimum time between two stats of the file (default 1000). */
  checkIntervalMs?: number;
  /** The clock, in milliseconds (tests inject one). */
  now?: () => number;
  /** Called when a changed file fails to load; the previous value stays in use. */
  onReloadError?: (error: unknown) => void;
  /**
   * A file that disappears after it was loaded is a mistake (an editor's
   * rename, a `mv` half done), not an empty file; so is one of 0 bytes (a
   * truncate-then-write caught between the two: `cat new > users`, an editor
   * that saves in place): the previous value stays in use, reported once
   * through `onReloadError`, until the file is back with something in it.
   */
  isKeptWhenRemoved?: boolean;
};

/** The file's identity, or "missing"; `isEmpty` for an existing file of 0 bytes. */
function statStamp(path: string): { stamp: string; isEmpty: boolean } {
  try {
    // Inline: a fresh look is taken before every IMAP and POP3 command (has the login been
    // revoked?), and a stat through the I/O pool is a thread round trip (~40 us) each time.
    const info = Deno.statSync(path);
    const mtime = info.mtime?.getTime() ?? 0;
    const ctime = info.ctime?.getTime() ?? 0;
    return { stamp: `${info.ino ?? 0}:${info.size}:${mtime}:${ctime}`, isEmpty: info.size === 0 };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { stamp: "missing", isEmpty: false };
    throw error;
  }
}

/**
 * Thrown by a `load` whose file is there but could not be read (EIO, out of
 * descriptors): not its text's fault, so it is read again at the next check.
 */
export class UnreadableFileError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = "UnreadableFileError";
  }
}

/** A cached, self-refreshing view of one file. */
export class WatchedFile<T> {
  readonly #options: WatchedFileOptions<T>;
  readonly #checkIntervalMs: number;
  readonly #now: () => number;
  #value: { data: T; stamp: string } | null = null;
  /** The stamp of the file that `#value.data` was read from. */
  #dataStamp: string | null = null;
  #isStale = false;
  #lastCheckMs = -Infinity;
  #pending: Promise<T> | null = null;
  /** An unreadable file was reported and has not been read since (reported once, not each check). */
  #isUnreadableReported = false;

  constructor(options: WatchedFileOptions<T>) {
    this.#options = options;
    this.#checkIntervalMs = options.checkIntervalMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Whether the value in use is not what the file holds now (the file changed and turned
   * malformed, is gone or empty, or could not be read): as of the last `get`.
   */
  get isStale(): boolean {
    return this.#isStale;
  }

  /**
   * The current parsed value. Throws only when the file has never loaded
   * successfully (the caller should answer with a temporary failure).
   * `isFresh` stats the file now, whatever the interval, so a change made
   * before the call is seen (a password changed or an account deleted must
   * refuse the next login, not one a second later).
   */
  get(options: { isFresh?: boolean } = {}): Promise<T> {
    if (options.isFresh) {
      // After any refresh under way: its stat may have come before the change.
      const after = this.#pending?.catch(() => {}) ?? Promise.resolve();
      return this.#track(after.then(() => this.#refresh()));
    }
    // A negative age: the clock was set back since the last check, which is then no guide.
    const sinceCheckMs = this.#now() - this.#lastCheckMs;
    if (this.#value !== null && sinceCheckMs >= 0 && sinceCheckMs < this.#checkIntervalMs) {
      return Promise.resolve(this.#value.data);
    }
    return this.#pending ?? this.#track(this.#refresh());
  }

  /** Makes `run` the refresh under way (the one later callers join) until it settles. */
  #track(run: Promise<T>): Promise<T> {
    const tracked: Promise<T> = run.finally(() => {
      if (this.#pending === tracked) this.#pending = null;
    });
    this.#pending = tracked;
    return tracked;
  }

  async #refresh(): Promise<T> {
    this.#lastCheckMs = this.#now();
    const previous = this.#value;
    let stamp: string;
    let isEmpty: boolean;
    try {
      ({ stamp, isEmpty } = statStamp(this.#options.path));
    } catch (error) {
      if (previous === null) throw error;
      this.#isStale = true;
      this.#reportUnreadable(error);
      return previous.data;
    }
    if (previous !== null && previous.stamp === stamp) {
      this.#isUnreadableReported = false;
      this.#isStale = stamp !== this.#dataStamp;
      return previous.data;
    }
    const isGone = stamp === "missing" || isEmpty;
    if (previous !== null && isGone && this.#options.isKeptWhenRemoved) {
      this.#value = { data: previous.data, stamp };
      this.#isStale = true;
      const what = stamp === "missing" ? "is gone" : "is empty";
      this.#options.onReloadError?.(
        new Error(`${this.#options.path} ${what}; what it last held stays in use`),
      );
      return previous.data;
    }
    try {
      const data = await this.#options.load(this.#options.path);
      this.#value = { data, stamp };
      this.#dataStamp = stamp;
      this.#isStale = false;
      this.#isUnreadableReported = false;
      return data;
    } catch (error) {
      if (previous === null) throw error;
      this.#isStale = true;
      if (error instanceof UnreadableFileError) {
        // Its stamp is not remembered: the next check reads it again, for the text may be fine.
        this.#reportUnreadable(error);
        return previous.data;
      }
      // Remember the broken version's stamp so it is reported once, not every second.
      this.#value = { data: previous.data, stamp };
      this.#options.onReloadError?.(error);
      return previous.data;
    }
  }

  /** Reports a file that could not be stat'ed or read, once until it is read again. */
  #reportUnreadable(error: unknown): void {
    if (this.#isUnreadableReported) return;
    this.#isUnreadableReported = true;
    this.#options.onReloadError?.(error);
  }
}
