/**
 * What an attempt writes down besides its outcomes: the local copies made
 * before a remote attempt that may take minutes, and a queue file that
 * cannot be read as one, set aside in the failed folder.
 */
import type { Logger } from "../log/mod.ts";
import { moveToFailed, type Spool } from "../spool/mod.ts";
import type { DeliveryOutcome } from "./outcome.ts";
import type { QueueState, QueueStateStore } from "./queue_state.ts";

/**
 * Records local copies just written before a remote attempt (or one
 * domain's remote part while others are in flight): a server that dies
 * meanwhile (or whose stop is forced) must not send them again at the next
 * attempt. A failed save is left to the one at the end of the attempt
 * (the state store keeps it meanwhile).
 */
export async function saveBeforeRemote(
  states: QueueStateStore,
  attempt: {
    qid: string;
    state: QueueState;
    log: Logger;
  } & ({ outcomes: Map<string, DeliveryOutcome> } | { isAnyDelivered: true }),
): Promise<void> {
  const isAnyDelivered = "isAnyDelivered" in attempt ||
    [...attempt.outcomes.values()].some((outcome) => outcome.kind === "delivered");
  if (!isAnyDelivered) return;
  try {
    await states.save(attempt.qid, attempt.state);
  } catch (error) {
    attempt.log.error("queue.state_save_failed", {
      qid: attempt.qid,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

/** A queue file that cannot be read as one goes to the failed folder with the reason, once. */
export async function setAsideDamaged(
  states: QueueStateStore,
  damaged: { qid: string; error: Error; spoolDir: string; spool: Spool; log: Logger },
): Promise<void> {
  const { qid, error } = damaged;
  const path = await moveToFailed({
    spoolDir: damaged.spoolDir,
    msgDir: damaged.spool.msgDir,
    qid,
    note: `Queue file ${qid} is damaged and cannot be delivered: ${error.message}\n`,
  });
  await states.remove(qid);
  if (path === null) return; // deleted meanwhile: nothing left to set aside
  damaged.log.error("queue.damaged", { qid, moved: path, reason: error.message });
}
