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
import { domainOf, type DomainTurns } from "./domain_turns.ts";
import { type Courier, recordOutcomes } from "./outcome.ts";
import type { QueueState, QueueStateStore } from "./queue_state.ts";

/** What delivering a message's parts works with. */
export interface DomainParts {
  qid: string;
  /** Local recipients: delivered first. */
  local: string[];
  state: QueueState;
  states: QueueStateStore;
  log: Logger;
  /** Recipients by destination. */
  byDestination: Map<string, string[]>;
  /** A destination's part is over (delivered, failed or thrown): its turn may go on. */
  onDestinationDone: (destination: string) => void;
}

/** A message's pending recipients: the local ones, and the remote ones by destination. */
export function splitPending(
  message: QueuedMessage,
  state: QueueState,
  options: { isLocalDomain: (domain: string) => boolean; turns: DomainTurns },
): { local: string[]; byDestination: Map<string, string[]> } {
  const pending = message.envelope.rcpts.filter((rcpt) => state.rcpts[rcpt]?.status === "pending");
  const isLocal = (rcpt: string) => options.isLocalDomain(domainOf(rcpt));
  const remote = pending.filter((rcpt) => !isLocal(rcpt));
  return {
    local: pending.filter(isLocal),
    byDestination: Map.groupBy(remote, (rcpt) => options.turns.destinationOf(rcpt)),
  };
}

/**
 * The local recipients first, saved before a remote part that may take
 * minutes, then each destination's (see `deliverPerDestination`).
 */
export async function deliverParts(
  couriers: { local: Courier; remote: Courier },
  message: QueuedMessage,
  parts: DomainParts,
): Promise<void> {
  const { qid, state, states, log } = parts;
  if (parts.local.length > 0) {
    const outcomes = await couriers.local.deliver(message, parts.local);
    recordOutcomes(state, outcomes, { qid, log });
    if (parts.byDestination.size > 0) await saveBeforeRemote(states, { qid, state, outcomes, log });
  }
  await deliverPerDestination(couriers.remote, message, parts);
}

/**
 * Delivers each destination's recipients through `remote` and records their
 * outcomes in `parts.state` as each part ends; returns (or throws the
 * first part's error) once every part is over and what was saved early is on disk.
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
    // Settled, not Promise.all: a part that throws must not end the attempt while another is
    // still sending (the message would be free for a second attempt, a second copy).
    const settled = await Promise.allSettled(
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
    const thrown = settled.find((result) => result.status === "rejected");
    if (thrown) {
      // The attempt ends here without finishAttempt's save: what the other parts delivered
      // is saved now, or the crash retry would send it again.
      if (parts.byDestination.size > 1) saveSoon();
      await saving;
      throw thrown.reason;
    }
  } finally {
    await saving;
  }
}
