/** A FIFO async mutex: one holder at a time, in call order. */
export class AsyncLock {
  #tail: Promise<void> = Promise.resolve();

  /** Runs `task` once every earlier task has settled; resolves with its result. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.then(() => {}, () => {});
    return result;
  }
}
