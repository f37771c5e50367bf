/**
 * The memory that messages being received hold across all sessions, before
 * they spill into files. Each message may keep up to 512 KB in memory, which
 * one message needs for speed; but a client that opens many connections,
 * sends each a message just under that and then stalls (the idle timeout
 * during DATA is minutes long) made the server hold all of it: 200 such
 * connections took 111 MB. Once the messages together hold more than the
 * shared limit, each one spills as soon as it holds a block, so the memory
 * they hold stays near the limit whatever the number of connections.
 */

/** In-memory bytes of all incoming messages together, past which they spill early. */
export const SHARED_MEMORY_BYTES = 8 * 1024 * 1024;

/** One account of the bytes incoming messages hold, shared by every MessageBuffer. */
export class IncomingMemory {
  #heldBytes = 0;

  /** Bytes held now. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  /** Whether messages hold more than the shared limit (each should spill what it holds). */
  get isPressed(): boolean {
    return this.#heldBytes > SHARED_MEMORY_BYTES;
  }

  take(bytes: number): void {
    this.#heldBytes += bytes;
  }

  give(bytes: number): void {
    this.#heldBytes -= bytes;
  }
}

/** The server's one account. */
export const incomingMemory = new IncomingMemory();
