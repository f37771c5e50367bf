/**
 * \Recent (RFC 3501 2.3.2): a message is recent in exactly one session, the
 * first to select its mailbox read-write after it arrived (read-only sessions
 * see it \Recent too, without claiming it: RFC 3501 6.3.2). Messages still
 * in `new/` are candidates; this process remembers which were claimed, per
 * shared `Mailbox` instance, until the claiming session has moved them to
 * `cur/` (`SelectedMailbox`), which every later instance and process sees.
 */
import type { Mailbox, MessageInfo } from "../mailbox/mod.ts";

const claimed = new WeakMap<Mailbox, Set<number>>();

/** Claims the unclaimed new messages among `messages`; returns their UIDs. */
export function claimRecent(mailbox: Mailbox, messages: readonly MessageInfo[]): number[] {
  let seen = claimed.get(mailbox);
  if (seen === undefined) claimed.set(mailbox, seen = new Set());
  const mine: number[] = [];
  for (const message of messages) {
    if (!message.isNew || seen.has(message.uid)) continue;
    seen.add(message.uid);
    mine.push(message.uid);
  }
  return mine;
}

/** The unclaimed new messages among `messages`, left unclaimed (a read-only session's view). */
export function peekRecent(mailbox: Mailbox, messages: readonly MessageInfo[]): number[] {
  const seen = claimed.get(mailbox);
  return messages.filter((message) => message.isNew && !seen?.has(message.uid))
    .map((message) => message.uid);
}
