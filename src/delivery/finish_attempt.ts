/**
 * The end of a delivery attempt: what is too old expires, the sender is told
 * (failures, delay), then a finished message is removed or the next attempt
 * is set. Returns when the next attempt is due, or null when the message is
 * done.
 */
import type { Logger } from "../log/mod.ts";
import { type QueuedMessage, type RequestedNotice, type Spool, wantsNotice } from "../spool/mod.ts";
import {
  ageStartMs,
  type BouncePolicy,
  delayNoticeRecipients,
  expireOverdue,
  failuresToBounce,
  finishedDisposition,
  isFinished,
  nextAttemptAtMs,
} from "./bounce_policy.ts";
import type { Bouncer, HeldNotice } from "./bouncer.ts";
import type { LeftoverNotices } from "./held_notices.ts";
import type { QueueState, QueueStateStore } from "./queue_state.ts";
import { successNoticeDue } from "./success_notices.ts";

/** What finishing an attempt works with (the runner's parts). */
export interface FinishContext {
  spool: Spool;
  states: QueueStateStore;
  bouncer: Bouncer;
  policy: BouncePolicy;
  log: Logger;
  retryDelayMs: (attempts: number) => number;
  /** Where a notice that could not be released or dropped goes (finished before the next attempt). */
  leftovers: LeftoverNotices;
  /** The wall clock in ms; Date.now when not given. */
  now?: () => number;
}

/**
 * After an attempt: expire what is too old, tell the sender (failures,
 * delay), then remove a finished message or schedule the next attempt.
 * The state is saved before any notice is queued, and a message is removed
 * only after its bounce was accepted. Notices are queued held and released
 * only once the removal or the state save that records them is done (see
 * held_notices.ts), so a crash can neither send one twice nor lose it.
 */
export async function finishAttempt(
  context: FinishContext,
  attempt: {
    qid: string;
    message: QueuedMessage;
    state: QueueState;
    /**
     * Called just before the queue file is removed: the attempt's hold on it
     * (attempt_lock.ts) lets go first, or the last close, on the main thread,
     * would be what frees the file's blocks (~25 us a message in the drain).
     */
    beforeRemove?: () => void;
    /** Recipients were left for a busy destination's turn: due again as soon as it comes. */
    isDueAgain?: boolean;
  },
): Promise<number | null> {
  const { qid, message, state } = attempt;
  const { policy, log, states, bouncer, spool } = context;
  const sender = message.envelope.from;
  const nowMs = (context.now ?? Date.now)();
  const timing = {
    arrivalMs: ageStartMs(state, { arrivalMs: message.envelope.arrivalMs, nowMs }),
    nowMs,
    policy,
  };
  for (const rcpt of expireOverdue(state, timing)) {
    log.info("msg.expired", { qid, rcpt, status: state.rcpts[rcpt]?.lastStatus });
  }
  // RFC 3461 5.2: what each recipient's NOTIFY asked for (none: failures and delays).
  const wants = (kind: RequestedNotice) => (rcpt: string) =>
    wantsNotice(message.envelope, rcpt, kind);
  const failures = failuresToBounce(state, sender, wants("FAILURE"));
  const delayed = delayNoticeRecipients(state, { ...timing, sender, wants: wants("DELAY") });
  const success = successNoticeDue(state, message.envelope);
  if (failures.length > 0 || delayed.length > 0 || success !== null) {
    // Deleted (`queue delete`) while it was attempted: no notice, no state file.
    if (!await spool.exists(qid)) return await forgetDeleted(context, { qid, held: [] });
    await states.save(qid, state);
  }
  const held: HeldNotice[] = [];
  const isFinishedNow = isFinished(state);
  /** Deleted meanwhile (seen at the commit): what this attempt queued and saved goes too. */
  let isDeleted = false;
  try {
    if (failures.length > 0) {
      held.push(await bouncer.sendFailure(message, state, failures));
      for (const rcpt of failures) {
        const entry = state.rcpts[rcpt];
        if (entry) entry.isReported = true;
      }
    }
    if (delayed.length > 0) {
      held.push(
        await bouncer.sendDelay(message, state, {
          rcpts: delayed,
          willRetryUntilMs: timing.arrivalMs + policy.queueLifetimeMs,
        }),
      );
      state.isDelayNoticeSent = true;
    }
    if (success !== null) {
      held.push(await bouncer.sendSuccess(message, state, success));
      for (const rcpt of success.rcpts) {
        const entry = state.rcpts[rcpt];
        if (entry) entry.isReported = true;
      }
      if (success.expanded.length > 0) state.isExpansionReported = true;
    }
    // The commit of the notices: the removal, or the save that records them.
    if (isFinishedNow) {
      if (finishedDisposition(state, sender) === "failed-folder") {
        isDeleted = !await bouncer.keepFailed(message, state);
      } else {
        attempt.beforeRemove?.();
        isDeleted = !await spool.remove(qid);
      }
    } else {
      const pending = Object.values(state.rcpts).filter((entry) => entry.status === "pending");
      const attempts = Math.max(...pending.map((entry) => entry.attempts));
      state.nextAttemptMs = attempt.isDueAgain ? nowMs : nextAttemptAtMs({
        ...timing,
        backoffMs: context.retryDelayMs(attempts),
      });
      await states.save(qid, state);
      // A deletion after this check is one after the attempt ended (its notices were committed).
      isDeleted = !await spool.exists(qid);
    }
  } catch (error) {
    // Not recorded: the notices must not go, and the next attempt sends them.
    for (const rcpt of failures) {
      const entry = state.rcpts[rcpt];
      if (entry) entry.isReported = false;
    }
    if (delayed.length > 0) state.isDelayNoticeSent = false;
    for (const rcpt of success?.rcpts ?? []) {
      const entry = state.rcpts[rcpt];
      if (entry) entry.isReported = false;
    }
    if (success !== null && success.expanded.length > 0) state.isExpansionReported = false;
    for (const notice of held) {
      await spool.dropHeld(notice.heldName).catch(() =>
        context.leftovers.add(qid, {
          heldName: notice.heldName,
          dsnQid: notice.qid,
          action: "drop",
        })
      );
    }
    throw error;
  }
  if (isDeleted) return await forgetDeleted(context, { qid, held });
  for (const notice of held) {
    // Recorded: a failure here leaves it held, released before the message's next attempt.
    await spool.release(notice.heldName, notice.qid).catch((error: unknown) => {
      log.error("notice.release_failed", { qid, dsn: notice.qid, error: String(error) });
      context.leftovers.add(qid, {
        heldName: notice.heldName,
        dsnQid: notice.qid,
        action: "release",
      });
    });
  }
  if (isFinishedNow) {
    await states.remove(qid);
    return null;
  }
  return state.nextAttemptMs;
}

/**
 * A message deleted by `queue delete` during its attempt: the command
 * promised no notice, so the ones this attempt queued are dropped unsent,
 * and a state file the attempt saved goes (the command removed the one
 * before). Returns null: nothing is left to attempt.
 */
async function forgetDeleted(
  context: FinishContext,
  options: { qid: string; held: readonly HeldNotice[] },
): Promise<null> {
  const { qid, held } = options;
  for (const notice of held) {
    await context.spool.dropHeld(notice.heldName).catch((error: unknown) => {
      context.log.error("notice.drop_failed", { qid, dsn: notice.qid, error: String(error) });
      context.leftovers.add(qid, { heldName: notice.heldName, dsnQid: notice.qid, action: "drop" });
    });
  }
  await context.states.remove(qid);
  context.log.info("msg.deleted_during_attempt", { qid, dropped: held.length });
  return null;
}
