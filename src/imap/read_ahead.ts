/**
 * Read-ahead for FETCH over many messages: the next files are read while
 * the current one is formatted and sent, instead of one disk round trip
 * after another. Results come back in order; at most `maxFiles` reads and
 * about `maxBytes` (by the sizes the index knows) are in flight, so a FETCH
 * of large messages does not load them all at once.
 */

/** One read's outcome; a failure is carried, not thrown, until its turn comes. */
export type ReadResult<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Reads `items` in order with up to `maxFiles` reads ahead. */
export async function* readAhead<I, T>(
  items: readonly I[],
  options: {
    read: (item: I) => Promise<T>;
    sizeOf: (item: I) => number;
    maxFiles: number;
    maxBytes: number;
  },
): AsyncGenerator<{ item: I; result: ReadResult<T> }> {
  const inFlight: { item: I; size: number; promise: Promise<ReadResult<T>> }[] = [];
  let bytesInFlight = 0;
  let next = 0;
  const start = (item: I) => {
    const size = options.sizeOf(item);
    // Settled into a result at once, so a failure ahead of its turn is never unhandled.
    const promise = options.read(item).then(
      (value): ReadResult<T> => ({ ok: true, value }),
      (error): ReadResult<T> => ({ ok: false, error }),
    );
    inFlight.push({ item, size, promise });
    bytesInFlight += size;
  };
  while (next < items.length || inFlight.length > 0) {
    while (
      next < items.length && inFlight.length < options.maxFiles &&
      (inFlight.length === 0 || bytesInFlight + options.sizeOf(items[next]!) <= options.maxBytes)
    ) start(items[next++]!);
    const head = inFlight.shift()!;
    bytesInFlight -= head.size;
    yield { item: head.item, result: await head.promise };
  }
}
