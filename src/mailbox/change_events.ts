/**
 * The listeners of one mailbox and the delivery of its changes to them: an
 * empty change is not sent, and a listener that throws is reported without
 * keeping the change from the others.
 */
import type { MailboxChange } from "./mailbox_types.ts";

/** Listeners of one mailbox's changes. */
export class ChangeEvents {
  readonly #listeners = new Set<(change: MailboxChange) => void>();
  readonly #onListenerError: (error: unknown) => void;

  constructor(onListenerError: (error: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  /** How many listen now. */
  get size(): number {
    return this.#listeners.size;
  }

  /** Adds `listener`; returns the function that removes it. */
  add(listener: (change: MailboxChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tells every listener, unless the change changes nothing. */
  emit(change: MailboxChange): void {
    const isEmpty = change.kind === "gone"
      ? false
      : change.kind === "expunged"
      ? change.uids.length === 0
      : change.messages.length === 0;
    if (isEmpty) return;
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch (error) {
        this.#onListenerError(error);
      }
    }
  }
}
