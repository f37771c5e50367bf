/**
 * \Recent (RFC 3501 2.3.2): a message is recent in exactly one session, the
 * first to select its mailbox read-write after it arrived (read-only sessions
 * see it \Recent too, without claiming it: RFC 3501 6.3.2). Messages still
 * in `new/` are candidates, and so are those added by APPEND, COPY and MOVE
 * that the mailbox remembers (`Mailbox.arrivals`, claimed there). Of those
 * in `new/`, this process remembers which were claimed, per shared `Mailbox` instance, until the claiming session has moved them to
 * `cur/` (`SelectedMailbox`), which every later instance and process sees.
 * A claim is forgotten once its message has left `new/` or is expunged (UIDs
 * are never reused), so a mailbox that stays selected for weeks while mail
 * arrives does not collect one claim per message it ever received.
 */
import type { Mailbox, MessageInfo } from "../mailbox/mod.ts";

/** Claims are looked over for ones no longer needed at this many, at least. */
const PRUNE_AT_LEAST = 256;

interface Claims {
  uids: Set<number>;
  /** The size at which the claims are next looked over (twice what was left last time). */
  pruneAt: number;
}

const claimed = new WeakMap<Mailbox, Claims>();

/** Claims the unclaimed new messages among `messages`; returns their UIDs. */
export function claimRecent(mailbox: Mailbox, messages: readonly MessageInfo[]): number[] {
  let claims = claimed.get(mailbox);
  if (claims === undefined) {
    claimed.set(mailbox, claims = { uids: new Set(), pruneAt: PRUNE_AT_LEAST });
  }
  const mine: number[] = [];
  for (const message of messages) {
    if (!message.isNew || claims.uids.has(message.uid)) continue;
    claims.uids.add(message.uid);
    mine.push(message.uid);
  }
  if (claims.uids.size >= claims.pruneAt) prune(mailbox, claims);
  const arrived = mailbox.arrivals.among(messages.map((message) => message.uid), { take: true });
  return arrived.length === 0 ? mine : [...mine, ...arrived];
}

/** The unclaimed new messages among `messages`, left unclaimed (a read-only session's view). */
export function peekRecent(mailbox: Mailbox, messages: readonly MessageInfo[]): number[] {
  const seen = claimed.get(mailbox)?.uids;
  const fresh = messages.filter((message) => message.isNew && !seen?.has(message.uid))
    .map((message) => message.uid);
  const arrived = mailbox.arrivals.among(messages.map((message) => message.uid), { take: false });
  return arrived.length === 0 ? fresh : [...fresh, ...arrived];
}

/** How many claims this process holds for `mailbox` (for tests: it must not grow without bound). */
export function claimCount(mailbox: Mailbox): number {
  return claimed.get(mailbox)?.uids.size ?? 0;
}

/**
 * Forgets the claims whose message is expunged or has left `new/`: no session
 * can see those as new again. Amortised: the next look is at twice the size left.
 */
function prune(mailbox: Mailbox, claims: Claims): void {
  for (const uid of claims.uids) {
    const message = mailbox.get(uid);
    if (message === undefined || !message.isNew) claims.uids.delete(uid);
  }
  claims.pruneAt = Math.max(PRUNE_AT_LEAST, 2 * claims.uids.size);
}
