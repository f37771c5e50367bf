/**
 * The leases taken in one registry, by directory: the maildrop is the
 * directory, not the instance. The registry replaces an instance whose
 * Maildir or UID index was removed by hand with a new one over the same
 * files, while a POP3 session may still hold the old one.
 */
export interface LeaseRegistry {
  /** The directories leased now. */
  taken: Set<string>;
  /** This instance's directory. */
  key: string;
}

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
  readonly #lease: LeaseRegistry;

  constructor(
    options: { listenerCount: () => number; onIdle: () => void; lease?: LeaseRegistry },
  ) {
    this.#listenerCount = options.listenerCount;
    this.#onIdle = options.onIdle;
    this.#lease = options.lease ?? { taken: new Set(), key: "" };
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

  /**
   * Takes the exclusive lease; returns its release (safe to call twice), or
   * null if taken, through this instance or another of the same directory.
   */
  tryLease(): (() => void) | null {
    const { taken, key } = this.#lease;
    if (this.#isLeased || taken.has(key)) return null;
    this.#isLeased = true;
    taken.add(key);
    let isReleased = false;
    return () => {
      if (isReleased) return;
      isReleased = true;
      this.#isLeased = false;
      taken.delete(key);
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
