/**
 * Which message files are being read right now, by base name. A file being
 * read is unlinked at expunge, never recycled as a spare: a spare is written
 * over in place, and the reader must go on seeing the message it opened.
 */
export class ReadsInProgress {
  readonly #counts = new Map<string, number>();

  /** Runs `read` counted as a read of `base`. */
  async around<T>(base: string, read: () => Promise<T>): Promise<T> {
    this.#counts.set(base, (this.#counts.get(base) ?? 0) + 1);
    try {
      return await read();
    } finally {
      const left = this.#counts.get(base)! - 1;
      if (left === 0) this.#counts.delete(base);
      else this.#counts.set(base, left);
    }
  }

  /** Whether `base` is being read. */
  has(base: string): boolean {
    return this.#counts.has(base);
  }
}
