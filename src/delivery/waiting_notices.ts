/**
 * When the sender of a message waiting for a busy destination's turn is due
 * a notice (delay, expiry): the rescan lets it through for a pass that
 * expires and tells, without an attempt to that destination (see
 * DomainTurns.takeNoticeDue). Behind a tarpit a backlog waits for hours or
 * days, and RFC 5321 4.5.4.1 gives up after the queue lifetime, not after
 * the turn comes.
 */
import type { QueuedMessage, Spool } from "../spool/mod.ts";
import { ageStartMs, type BouncePolicy, noticeDueAtMs } from "./bounce_policy.ts";
import type { DomainTurns } from "./domain_turns.ts";
import type { QueueState, QueueStateStore } from "./queue_state.ts";

/**
 * Sets `qid` aside unread when the state file `dueAtMs` just read says where
 * it goes and all those destinations are busy (a backlog after an outage
 * would otherwise be read twice), with when its sender is due a notice.
 * Returns whether it was; the attempt checks again otherwise.
 */
export function setAsideUnread(
  qid: string,
  options: Parameters<typeof unreadNoticeDueAtMs>[1] & {
    turns: DomainTurns;
    isLocal: (domain: string) => boolean;
  },
): boolean {
  const hinted = options.states.pendingHint(qid);
  if (hinted === null) return false;
  // Its notice time only once it will wait: a message that goes now reads nothing more.
  const noticeAtMs = () => unreadNoticeDueAtMs(qid, options);
  if (!options.turns.waitIfRemoteBusy(qid, hinted, options.isLocal, noticeAtMs)) return false;
  options.states.keepAside(qid);
  return true;
}

/**
 * For a message set aside unread: by the state file `dueAtMs` just read,
 * with the envelope line for an age that file does not keep (an older
 * version's); null when neither says (then the message is read to know).
 */
export function unreadNoticeDueAtMs(
  qid: string,
  options: { states: QueueStateStore; spool: Spool; policy: BouncePolicy; nowMs: number },
): number | null {
  const aging = options.states.agingHint(qid);
  if (aging === null) return null;
  if (aging.agedFromMs !== undefined) {
    return noticeDueAtMs(aging, { agedFromMs: aging.agedFromMs, policy: options.policy });
  }
  const envelope = options.spool.readEnvelopeHead(qid);
  if (envelope === null) return null;
  return noticeDueAtMs(aging, {
    agedFromMs: Math.min(envelope.arrivalMs, options.nowMs),
    policy: options.policy,
    sender: envelope.from,
  });
}

/** For a message read (at its attempt, or a notice pass) and set aside again. */
export function readNoticeDueAtMs(
  state: QueueState,
  options: { message: QueuedMessage; policy: BouncePolicy; nowMs: number },
): number {
  const { envelope } = options.message;
  const agedFromMs = ageStartMs(state, { arrivalMs: envelope.arrivalMs, nowMs: options.nowMs });
  return noticeDueAtMs(state, { agedFromMs, policy: options.policy, sender: envelope.from });
}
