/**
 * Who holds one `Mailbox` instance: the sessions that opened it, the POP3
 * session that leased it (one at a time, RFC 1939's exclusive maildrop), and
 * its change listeners. Once none is left the registry may drop it.
 */
export class MailboxHolders {
  #refs = 0;
  #isLeased = false;
  readonly #listenerCount: () => number;
  readonly #onIdle: () => void;

  constructor(options: { listenerCount: () => number; onIdle: () => void }) {
    this.#listenerCount = options.listenerCount;
    this.#onIdle = options.onIdle;
  }

  /** Counts an `openMailbox` caller. */
  retain(): void {
    this.#refs++;
  }

  /** One caller is done with the instance. */
  release(): void {
    this.#refs = Math.max(0, this.#refs - 1);
    this.maybeIdle();
  }

  /** Takes the exclusive lease; returns its release (safe to call twice), or null if taken. */
  tryLease(): (() => void) | null {
    if (this.#isLeased) return null;
    this.#isLeased = true;
    let isReleased = false;
    return () => {
      if (isReleased) return;
      isReleased = true;
      this.#isLeased = false;
      this.maybeIdle();
    };
  }

  /** Nobody holds it: no caller, no lease, no listener. */
  get isIdle(): boolean {
    return this.#refs === 0 && this.#listenerCount() === 0 && !this.#isLeased;
  }

  /** Tells the registry when the last holder is gone. */
  maybeIdle(): void {
    if (this.isIdle) this.#onIdle();
  }
}
