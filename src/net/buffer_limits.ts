/** How much a connection holds in each direction before it waits for the peer. */

/**
 * Unread input above which the socket is paused (a client pipelining faster
 * than we answer, a message while its file catches up): the rest waits in
 * the kernel. A reader that needs more (a long line) resumes it. At 1 MB a
 * lagging reader made the input array grow to 2 MB per connection.
 */
export const HIGH_WATER_BYTES = 64 * 1024;
/**
 * Replies not yet taken by the peer, above which we stop reading its
 * commands: a client that pipelines without reading cannot make us queue
 * answers without bound.
 */
export const OUTPUT_HIGH_WATER_BYTES = 256 * 1024;
/** Queued replies are flushed early once they pass this size. */
export const PENDING_FLUSH_BYTES = 64 * 1024;
/**
 * `writeLarge` hands a big reply (a message body) to the socket in pieces of
 * this size, so it never holds more than the high-water mark plus one piece.
 */
export const LARGE_WRITE_SLICE_BYTES = PENDING_FLUSH_BYTES;
