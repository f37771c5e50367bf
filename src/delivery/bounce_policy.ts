/**
 * When to give up, when to tell the sender, and what to do with a finished
 * message. Pure decisions over a message's state; the runner acts on them.
 *
 * - A recipient still pending when the message outlives the queue lifetime
 *   fails with 4.4.7 (RFC 3463: delivery time expired).
 * - Finally failed recipients are reported in one DSN per delivery pass
 *   (normally one per message), never for a message from `<>`.
 * - One "delayed" notice once the message is older than the delay warning.
 * - A finished message from `<>` with failures goes to the failed folder
 *   instead of being bounced: bounces never loop.
 */
import type { QueueState } from "./queue_state.ts";

/** The limits from the configuration. */
export interface BouncePolicy {
  queueLifetimeMs: number;
  /** 0 means never send a delay notice. */
  delayWarningMs: number;
}

/** The status of a recipient given up for age. */
export const EXPIRED_STATUS = "4.4.7";

function pendingOf(state: QueueState): string[] {
  return Object.entries(state.rcpts).filter(([, entry]) => entry.status === "pending")
    .map(([rcpt]) => rcpt);
}

/**
 * When a message's age counts from (for its delay warning and its queue
 * lifetime): its arrival, unless that lies in the future. Then the arrival
 * was stamped by a clock that was ahead and has been set right since, and
 * counting from it would hold the message a year past its lifetime for a
 * clock a year ahead, its sender never told; it counts from the first
 * attempt that sees it so instead. Either is kept in `state` (saved with it).
 */
export function ageStartMs(
  state: QueueState,
  options: { arrivalMs: number; nowMs: number },
): number {
  if (state.agedFromMs !== undefined) return state.agedFromMs;
  // Kept in the state file in every case: a message set aside unread for a busy
  // destination's turn is told of (delay, expiry) by that alone (see `noticeDueAtMs`).
  state.agedFromMs = Math.min(options.arrivalMs, options.nowMs);
  return state.agedFromMs;
}

/**
 * When the sender of a message whose age counts from `agedFromMs` is next
 * due a word from us: its delay notice (unless sent, or the sender is `<>`),
 * else its expiry. For a message waiting for a busy destination's turn,
 * which must not wait for that turn to be told (RFC 5321 4.5.4.1).
 */
export function noticeDueAtMs(
  state: Pick<QueueState, "isDelayNoticeSent">,
  options: { agedFromMs: number; policy: BouncePolicy; sender?: string },
): number {
  const { policy, agedFromMs } = options;
  const expiresAtMs = agedFromMs + policy.queueLifetimeMs;
  const isDelayDue = !state.isDelayNoticeSent && policy.delayWarningMs > 0 &&
    options.sender !== "";
  return isDelayDue ? Math.min(agedFromMs + policy.delayWarningMs, expiresAtMs) : expiresAtMs;
}

/**
 * Marks every pending recipient failed (4.4.7) when the message is older
 * than the lifetime; returns those recipients. The last error is kept for the DSN.
 */
export function expireOverdue(
  state: QueueState,
  options: { arrivalMs: number; nowMs: number; policy: BouncePolicy },
): string[] {
  if (options.nowMs - options.arrivalMs < options.policy.queueLifetimeMs) return [];
  const expired = pendingOf(state);
  for (const rcpt of expired) {
    const entry = state.rcpts[rcpt];
    if (!entry) continue;
    entry.status = "failed";
    entry.lastStatus = EXPIRED_STATUS;
    entry.lastReason ??= "No delivery attempt succeeded";
  }
  return expired;
}

/**
 * Failed recipients not yet reported to the sender; none for a sender of
 * `<>`, and only those that `wants` (RFC 3461 5.2.6: NOTIFY without FAILURE
 * gets no notice).
 */
export function failuresToBounce(
  state: QueueState,
  sender: string,
  wants?: (rcpt: string) => boolean,
): string[] {
  if (sender === "") return [];
  return Object.entries(state.rcpts)
    .filter(([rcpt, entry]) =>
      entry.status === "failed" && !entry.isReported && (wants === undefined || wants(rcpt))
    )
    .map(([rcpt]) => rcpt);
}

/**
 * Pending recipients to name in a delay notice, or [] when none is due;
 * only those that `wants` (RFC 3461 5.2.5: NOTIFY without DELAY gets none).
 */
export function delayNoticeRecipients(
  state: QueueState,
  options: {
    sender: string;
    arrivalMs: number;
    nowMs: number;
    policy: BouncePolicy;
    wants?: (rcpt: string) => boolean;
  },
): string[] {
  const { policy } = options;
  if (options.sender === "" || state.isDelayNoticeSent || policy.delayWarningMs <= 0) return [];
  const ageMs = options.nowMs - options.arrivalMs;
  if (ageMs < policy.delayWarningMs || ageMs >= policy.queueLifetimeMs) return [];
  const wants = options.wants;
  return wants ? pendingOf(state).filter((rcpt) => wants(rcpt)) : pendingOf(state);
}

/** Whether every recipient is delivered or finally failed. */
export function isFinished(state: QueueState): boolean {
  return pendingOf(state).length === 0;
}

/** What becomes of a finished message: removed, or kept in the failed folder. */
export function finishedDisposition(state: QueueState, sender: string): "remove" | "failed-folder" {
  const hasFailures = Object.values(state.rcpts).some((entry) => entry.status === "failed");
  return sender === "" && hasFailures ? "failed-folder" : "remove";
}

/**
 * When to try again: after the backoff, but no later than the moment the
 * message expires, so it is given up on time rather than up to one retry
 * interval late.
 */
export function nextAttemptAtMs(
  options: { arrivalMs: number; nowMs: number; backoffMs: number; policy: BouncePolicy },
): number {
  const expiresAtMs = options.arrivalMs + options.policy.queueLifetimeMs;
  const afterBackoffMs = options.nowMs + options.backoffMs;
  return expiresAtMs > options.nowMs ? Math.min(afterBackoffMs, expiresAtMs) : afterBackoffMs;
}
