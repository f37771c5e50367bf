/**
 * The 16 KB read buffers of sockets, kept for the next connection. Each is
 * off-heap memory that V8 counts toward the limit that starts a full
 * collection: made afresh for every short SMTP session, at 1,000 sessions a
 * second they set off a full collection every ~300 sessions (13 in 4,000
 * one-message sessions, against 3 with the buffers kept).
 */
const READ_BUFFER_BYTES = 16 * 1024;
/** What a burst leaves behind is bounded: 512 KB at most. */
const MAX_KEPT = 32;

const kept: Uint8Array[] = [];

/** A read buffer, reused (zeroed) or new. */
export function takeReadBuffer(): Uint8Array {
  return kept.pop() ?? new Uint8Array(READ_BUFFER_BYTES);
}

/**
 * Hands `buffer` back. The caller guarantees that no read is in flight into
 * it and that nobody holds a view of it: the next connection reads into it.
 */
export function giveBackReadBuffer(buffer: Uint8Array): void {
  if (buffer.byteLength !== READ_BUFFER_BYTES || buffer.buffer.byteLength !== READ_BUFFER_BYTES) {
    return;
  }
  if (kept.length >= MAX_KEPT || kept.includes(buffer)) return;
  // What the last client sent (a password, say) must not be there for a bug to show the next.
  buffer.fill(0);
  kept.push(buffer);
}

/** How many buffers are kept now (for tests). */
export function keptReadBufferCount(): number {
  return kept.length;
}
