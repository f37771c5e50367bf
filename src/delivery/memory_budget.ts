/**
 * How many bytes of queued messages deliveries may hold in memory at once.
 * An attempt reads its whole message (and sending makes a dot-stuffed copy),
 * so sixteen 25 MB messages in flight would take some 800 MB on a host that
 * may have 512. A big message waits for room, without a runner slot; one
 * bigger than the whole budget goes when nothing else big is in flight.
 * Small messages are not counted: sixteen of them are a few MB at most.
 */

/** Messages up to this size are not counted (the spool reads them inline). */
export const UNCOUNTED_MESSAGE_BYTES = 256 * 1024;

/** The bytes of big messages in flight, against a limit. */
export class MemoryBudget {
  readonly #limitBytes: number;
  readonly #onFreed: () => void;
  #usedBytes = 0;

  /** `onFreed` runs whenever room is given back (to wake the messages that waited). */
  constructor(limitBytes: number, onFreed: () => void) {
    this.#limitBytes = limitBytes;
    this.#onFreed = onFreed;
  }

  /** Bytes held now. */
  get usedBytes(): number {
    return this.#usedBytes;
  }

  /** Takes room for a message of `bytes`; returns its release, or null if it must wait. */
  tryTake(bytes: number): (() => void) | null {
    if (bytes <= UNCOUNTED_MESSAGE_BYTES) return () => {};
    if (this.#usedBytes > 0 && this.#usedBytes + bytes > this.#limitBytes) return null;
    this.#usedBytes += bytes;
    let isReleased = false;
    return () => {
      if (isReleased) return;
      isReleased = true;
      this.#usedBytes -= bytes;
      this.#onFreed();
    };
  }
}
