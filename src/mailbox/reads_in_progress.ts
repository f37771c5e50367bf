/**
 * Which message files are being read right now, by base name. A file being
 * read is unlinked at expunge, never recycled as a spare: a spare is written
 * over in place, and the reader must go on seeing the message it opened.
 */
export class ReadsInProgress {
  readonly #counts = new Map<string, number>();
  readonly #waiters = new Map<string, (() => void)[]>();

  /** Runs `read` counted as a read of `base`. */
  async around<T>(base: string, read: () => Promise<T>): Promise<T> {
    this.#counts.set(base, (this.#counts.get(base) ?? 0) + 1);
    try {
      return await read();
    } finally {
      const left = this.#counts.get(base)! - 1;
      if (left === 0) {
        this.#counts.delete(base);
        for (const wake of this.#waiters.get(base) ?? []) wake();
        this.#waiters.delete(base);
      } else this.#counts.set(base, left);
    }
  }

  /** Whether `base` is being read. */
  has(base: string): boolean {
    return this.#counts.has(base);
  }

  /** Resolves once nobody reads `base` (at once when nobody does). */
  whenIdle(base: string): Promise<void> {
    if (!this.#counts.has(base)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiting = this.#waiters.get(base);
      if (waiting === undefined) this.#waiters.set(base, [resolve]);
      else waiting.push(resolve);
    });
  }
}
