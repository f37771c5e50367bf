/**
 * One process-wide count of the descriptors the listeners hold, shared by
 * every listener, so that accepted connections can never use up the
 * process's file descriptors (RLIMIT_NOFILE): out of descriptors, the spool
 * cannot open a message, and Deno 2.9 can panic formatting an error's stack
 * (see log/error_text.ts).
 *
 * A listener takes a descriptor (`take`) before it accepts, so a connection
 * it cannot afford waits in the kernel's queue rather than failing accept().
 * Once accepted, the connection becomes a session (`claimSession`) while
 * fewer than `sessionLimit` are open, or it is refused with the protocol's
 * busy line from the spare descriptors. Every descriptor is given back
 * (`give`) when its socket is closed, not when its session ends: a closed
 * session's socket lingers until the peer has read the last reply.
 */

/** Limits for `ConnectionSlots`. */
export interface ConnectionSlotsOptions {
  /** Sessions open at once, over all listeners. */
  sessionLimit: number;
  /**
   * Descriptors besides sessions: one waiting accept per listener, and the
   * connections being refused with a busy line (or lingering after their session).
   */
  spare: number;
}

/** The shared count; see the module comment. */
export class ConnectionSlots {
  readonly sessionLimit: number;
  /** Descriptors the listeners may hold at once (sessions and spare). */
  readonly descriptorLimit: number;
  #held = 0;
  #sessions = 0;
  readonly #waiters: { resolve: (isTaken: boolean) => void }[] = [];

  constructor(options: ConnectionSlotsOptions) {
    this.sessionLimit = options.sessionLimit;
    this.descriptorLimit = options.sessionLimit + options.spare;
  }

  /** No limit beyond each listener's own (tests, servers that do not measure). */
  static unlimited(): ConnectionSlots {
    return new ConnectionSlots({ sessionLimit: Infinity, spare: 0 });
  }

  /** Descriptors held now (waiting accepts, sessions, refusals, lingering closes). */
  get held(): number {
    return this.#held;
  }

  /** Sessions open now. */
  get sessions(): number {
    return this.#sessions;
  }

  /**
   * Takes one descriptor, waiting (first come, first served) while all are
   * held. False, with nothing taken, when `signal` aborts first.
   */
  take(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.#held < this.descriptorLimit && this.#waiters.length === 0) {
      this.#held++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const waiter = {
        resolve: (isTaken: boolean) => {
          signal.removeEventListener("abort", onAbort);
          resolve(isTaken);
        },
      };
      const onAbort = () => {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        waiter.resolve(false);
      };
      signal.addEventListener("abort", onAbort);
      this.#waiters.push(waiter);
    });
  }

  /** Gives back a descriptor from `take` (its socket is closed). */
  give(): void {
    const next = this.#waiters.shift();
    // Handed straight to the next waiter: held stays the same.
    if (next) return next.resolve(true);
    this.#held = Math.max(0, this.#held - 1);
  }

  /** Makes a taken descriptor's connection a session; false when `sessionLimit` are open. */
  claimSession(): boolean {
    if (this.#sessions >= this.sessionLimit) return false;
    this.#sessions++;
    return true;
  }

  /** A session from `claimSession` has ended (its descriptor is given back separately). */
  endSession(): void {
    this.#sessions = Math.max(0, this.#sessions - 1);
  }
}
