/**
 * A message's remote part, one delivery per destination (see DomainTurns)
 * side by side: a destination whose server stalls for minutes (a tarpit, a
 * DATA that never ends) holds its own turn, not the turns of the message's
 * other destinations, which go to the next message as soon as their part is
 * over. What a finished part
 * delivered is saved while the others are still in flight: a server stopped
 * meanwhile (a restart whose grace period ran out, a crash) must not send
 * those recipients a second copy at the next attempt.
 */
import type { Logger } from "../log/mod.ts";
import type { QueuedMessage } from "../spool/mod.ts";
import { saveBeforeRemote } from "./attempt_records.ts";
import { type Courier, recordOutcomes } from "./outcome.ts";
import type { QueueState, QueueStateStore } from "./queue_state.ts";

/** What delivering a message's remote part per domain works with. */
export interface DomainParts {
  qid: string;
  state: QueueState;
  states: QueueStateStore;
  log: Logger;
  /** Recipients by destination. */
  byDestination: Map<string, string[]>;
  /** A destination's part is over (delivered, failed or thrown): its turn may go on. */
  onDestinationDone: (destination: string) => void;
}

/**
 * Delivers each destination's recipients through `remote` and records their
 * outcomes in `parts.state` as each part ends; returns once every part is
 * over and what was saved early is on disk.
 */
export async function deliverPerDestination(
  remote: Courier,
  message: QueuedMessage,
  parts: DomainParts,
): Promise<void> {
  const { qid, state, states, log } = parts;
  let inFlight = parts.byDestination.size;
  let saving: Promise<void> | null = null;
  let isStale = false;
  /** Saves the state now, or once the save under way ends (one save for the parts finished meanwhile). */
  const saveSoon = () => {
    isStale = true;
    saving ??= (async () => {
      while (isStale) {
        isStale = false;
        await saveBeforeRemote(states, { qid, state, log, isAnyDelivered: true });
      }
      saving = null;
    })();
  };
  try {
    await Promise.all(
      [...parts.byDestination].map(async ([destination, rcpts]) => {
        try {
          const outcomes = await remote.deliver(message, rcpts);
          recordOutcomes(state, outcomes, { qid, log });
          const isAnyDelivered = [...outcomes.values()].some((o) => o.kind === "delivered");
          if (inFlight > 1 && isAnyDelivered) saveSoon();
        } finally {
          inFlight--;
          parts.onDestinationDone(destination);
        }
      }),
    );
  } finally {
    await saving;
  }
}
