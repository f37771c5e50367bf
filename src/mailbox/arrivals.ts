/**
 * Messages that arrived by IMAP APPEND, COPY or MOVE, for \Recent (RFC 3501
 * 6.3.11: "the Recent flag is also set"; 6.4.7: SHOULD be set in a copy).
 * Delivered mail is \Recent while it waits in `new/`; these go straight to
 * `cur/` (with their flags, which `new/` names cannot carry), so the shared
 * `Mailbox` instance remembers them until a session claims them: the one
 * that has the folder selected, or the next to select it. Kept in memory
 * only: once the instance leaves the idle cache, or the server restarts, an
 * unclaimed arrival is no longer \Recent to anyone (never \Recent twice).
 */

/** Arrivals are looked over for expunged ones at this many, at least. */
const PRUNE_AT_LEAST = 256;

/** The unclaimed arrivals of one mailbox, by UID. */
export class Arrivals {
  #uids = new Set<number>();
  #pruneAt = PRUNE_AT_LEAST;
  readonly #isListed: (uid: number) => boolean;

  /** `isListed` says whether a UID is still in the mailbox (expunged ones are forgotten). */
  constructor(isListed: (uid: number) => boolean) {
    this.#isListed = isListed;
  }

  /** Notes messages just added by APPEND, COPY or MOVE. */
  note(uids: readonly number[]): void {
    for (const uid of uids) this.#uids.add(uid);
    if (this.#uids.size < this.#pruneAt) return;
    for (const uid of this.#uids) if (!this.#isListed(uid)) this.#uids.delete(uid);
    this.#pruneAt = Math.max(PRUNE_AT_LEAST, 2 * this.#uids.size);
  }

  /** Those of `uids` that arrived and nobody claimed yet; with `take`, they are claimed now. */
  among(uids: readonly number[], options: { take: boolean }): number[] {
    if (this.#uids.size === 0) return [];
    const found = uids.filter((uid) => this.#uids.has(uid));
    if (options.take) { for (const uid of found) this.#uids.delete(uid); }
    return found;
  }
}
