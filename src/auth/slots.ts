/**
 * At most `size` tasks at once; the others wait their turn, first come first
 * served. For work whose cost is memory held while it runs (a password hash
 * holds 16 MB).
 */
export class Slots {
  readonly #size: number;
  #busy = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#size = size;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#busy < this.#size) this.#busy++;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await task();
    } finally {
      // The slot passes straight to the next in line, or is free again.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#busy--;
    }
  }
}
