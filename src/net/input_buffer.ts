/**
 * The bytes a connection has received and not yet handed out: one growing
 * array with a read and a write position, compacted in place when that is
 * enough, so a steady stream of commands allocates nothing.
 */

const INITIAL_BUFFER_BYTES = 4 * 1024;
/**
 * An array grown past this (a long IMAP line, up to 256 KB) is let go once
 * everything in it is read: a session that goes on idling for minutes kept
 * it. Input held at the pause mark (64 KB) plus one socket read grows the
 * array to 128 KB at most, which is kept: a reader that lags again and again
 * would otherwise make it anew each time.
 */
const KEPT_BUFFER_BYTES = 128 * 1024;

/**
 * Arrays of closed connections, kept for the next ones (zeroed): a short
 * session made a 4 KB array and, for a 5 KB message, an 8 KB one, each
 * off-heap memory to allocate, zero and collect. At most MAX_KEPT arrays of
 * up to KEPT_FOR_REUSE_BYTES (512 KB).
 */
const KEPT_FOR_REUSE_BYTES = 16 * 1024;
const MAX_KEPT = 32;
const kept: Uint8Array[] = [];

/** Unread input, in arrival order. */
export class InputBuffer {
  #bytes = kept.pop() ?? new Uint8Array(INITIAL_BUFFER_BYTES);
  #start = 0;
  #end = 0;

  /** Bytes waiting to be read. */
  get size(): number {
    return this.#end - this.#start;
  }

  /** The unread bytes: a view, valid until the next `append`. */
  unread(): Uint8Array {
    return this.#bytes.subarray(this.#start, this.#end);
  }

  /** Marks the first `count` unread bytes as read. */
  consume(count: number): void {
    this.#start += count;
    if (this.#start === this.#end && this.#bytes.length > KEPT_BUFFER_BYTES) {
      // Views handed out before stay valid: the old array is dropped, not reused.
      this.#bytes = new Uint8Array(INITIAL_BUFFER_BYTES);
      this.#start = this.#end = 0;
    }
  }

  /** Drops everything unread (plaintext sent before a TLS handshake must not count). */
  clear(): void {
    this.#start = this.#end = 0;
  }

  /**
   * Gives the memory back (the connection is closed): views handed out
   * before must no longer be read, since the next connection reuses them.
   */
  release(): void {
    const bytes = this.#bytes;
    this.#bytes = new Uint8Array(0);
    this.clear();
    if (
      bytes.length === 0 || bytes.length > KEPT_FOR_REUSE_BYTES || kept.length >= MAX_KEPT ||
      kept.includes(bytes)
    ) return;
    // What this client sent (an AUTH line, say) must not be there for a bug to show the next.
    bytes.fill(0);
    kept.push(bytes);
  }

  /** Adds a copy of `chunk` after the unread bytes. */
  append(chunk: Uint8Array): void {
    const size = this.size;
    if (this.#end + chunk.length > this.#bytes.length) {
      // In place while that leaves a quarter free (copies stay amortised): input held at
      // the pause mark plus a read (80 KB) then fits the 128 KB array, which only halving
      // would have grown to 256 KB.
      if (size + chunk.length <= this.#bytes.length * 3 / 4) {
        this.#bytes.copyWithin(0, this.#start, this.#end);
      } else {
        // Doubled until it fits, so it stays a power of two: grown from an odd size (a
        // command line, then 16 KB reads) it could pass 128 KB by a few bytes and be
        // let go, and made again, each time it was emptied.
        let capacity = Math.max(this.#bytes.length * 2, INITIAL_BUFFER_BYTES); // 0 once released
        while (capacity < size + chunk.length) capacity *= 2;
        const bigger = new Uint8Array(capacity);
        bigger.set(this.#bytes.subarray(this.#start, this.#end));
        this.#bytes = bigger;
      }
      this.#start = 0;
      this.#end = size;
    }
    this.#bytes.set(chunk, this.#end);
    this.#end += chunk.length;
  }
}
