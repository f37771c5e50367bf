/**
 * A mailbox's lock, whose refreshes can share a turn: a refresh asked for
 * while another still waits for the lock, with no other change queued after
 * it, joins that one (its listing starts after both asked). So deliveries
 * that arrive faster than a big mailbox is listed queue one listing between
 * them, not one each that a session's NOOP waits behind.
 */
import { AsyncLock } from "./async_lock.ts";

export class MailboxLock {
  readonly #lock = new AsyncLock();
  /** A refresh waiting for the lock with nothing queued after it: later callers share it. */
  #queuedRefresh: Promise<unknown> | null = null;

  /** Runs `task` under the lock; a refresh queued before it is no longer shared. */
  run<T>(task: () => Promise<T>): Promise<T> {
    this.#queuedRefresh = null;
    return this.#lock.run(task);
  }

  /** Runs `refresh` under the lock, or joins the refresh already waiting for it. */
  refresh<T>(refresh: () => Promise<T>): Promise<T> {
    if (this.#queuedRefresh !== null) return this.#queuedRefresh as Promise<T>;
    const queued: Promise<T> = this.run(() => {
      if (this.#queuedRefresh === queued) this.#queuedRefresh = null;
      return refresh();
    });
    this.#queuedRefresh = queued;
    return queued;
  }
}
