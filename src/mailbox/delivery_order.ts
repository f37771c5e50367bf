/**
 * The order in which new Maildir files get their UIDs: the order they were
 * delivered, as their names tell it. Names start with the delivery time in
 * seconds, and most writers (Dovecot, Courier, ours) follow it with
 * `.M<microseconds>`, which Dovecot does not pad with zeros: as strings,
 * `...M999P` sorts after `...M100000P` of the same second, and two messages
 * Dovecot delivered in that order would be numbered the other way round.
 */

/**
 * `items` by their base name's delivery time (seconds, then microseconds,
 * then our own count of files in that microsecond), then by name.
 */
export function inDeliveryOrder<T>(items: readonly T[], baseOf: (item: T) => string): T[] {
  const keyed = items.map((item) => {
    const base = baseOf(item);
    const time = /^(\d+)\.(?:M(\d+)(?:P\d+Q(\d+))?)?/.exec(base);
    return {
      item,
      base,
      // Names without a leading time sort after every timed one, by name.
      seconds: time === null ? Infinity : Number(time[1]),
      micros: time?.[2] === undefined ? -1 : Number(time[2]),
      // Our own names count the files one process writes in a microsecond (Q).
      count: time?.[3] === undefined ? -1 : Number(time[3]),
    };
  });
  keyed.sort((a, b) =>
    a.seconds - b.seconds || a.micros - b.micros || a.count - b.count ||
    (a.base < b.base ? -1 : a.base > b.base ? 1 : 0)
  );
  return keyed.map((key) => key.item);
}
